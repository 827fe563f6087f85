import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { documentClient, tableName } from './client.js';
import { crlChunkId, key, pk, refreshKeys, revocationId, sk } from './keys.js';
import { putIfNewer } from './records.js';
import { readCrlDer, writeCrl, type CrlItems } from './crlChunks.js';
import type { CrlHead, CrlPartitionHead, CrlRecord, Page, RevocationRecord } from './types.js';
import type { ReasonCode } from '../x509/index.js';

/**
 * Revocation items and CRL chunks on DynamoDB. Both are read by their key, not by the `projectId`
 * or `id` attributes: those are not the worker's alone, and a revocation that a changed attribute
 * could drop from a list would drop off the CRL.
 */

/** The item of a revocation as the worker writes it (the bench loads its items with the same). */
export function revocationItem(r: RevocationRecord): Record<string, unknown> {
  return { ...key(r.projectId, 'REV', revocationId(r.crlId, r.serial)), id: revocationId(r.crlId, r.serial), ...r };
}

/** The prefix of one CRL's revocation items, and the serial a sort key ends with. */
const revPrefix = (crlId: string) => sk('REV', `${crlId}#`);

export const revocations = {
  /** The first record of a revocation stays (a retry or a concurrent job writes nothing): false then. */
  async record(r: RevocationRecord): Promise<boolean> {
    try {
      await documentClient().send(new PutCommand({ TableName: tableName(), Item: revocationItem(r), ConditionExpression: 'attribute_not_exists(crlRevokedAt)' }));
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  },
  /** One page of a CRL's revocations, by serial; items without the worker's crlRevokedAt are no revocation (anyone's UpdateItem can make one). */
  async list(projectId: string, caId: string, crlId: string, limit: number, marker?: string): Promise<Page<RevocationRecord>> {
    const prefix = revPrefix(crlId);
    const out = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(projectId), ':prefix': prefix },
        ProjectionExpression: 'sk, crlRevokedAt, crlRevocationReason, crlCertificateId',
        ConsistentRead: true,
        Limit: limit,
        ...(marker ? { ExclusiveStartKey: { pk: pk(projectId), sk: `${prefix}${marker}` } } : {}),
      }),
    );
    const items: RevocationRecord[] = [];
    for (const i of out.Items ?? []) {
      if (typeof i.crlRevokedAt !== 'string') continue;
      items.push({
        projectId,
        caId,
        crlId,
        serial: String(i.sk).slice(prefix.length),
        crlRevokedAt: i.crlRevokedAt,
        ...(i.crlRevocationReason ? { crlRevocationReason: i.crlRevocationReason as ReasonCode } : {}),
        ...(i.crlCertificateId ? { crlCertificateId: String(i.crlCertificateId) } : {}),
      });
    }
    const last = out.LastEvaluatedKey?.sk;
    return { items, ...(last ? { next: String(last).slice(prefix.length) } : {}) };
  },
};

const chunkKey = (projectId: string, crlId: string, set: string, i: number) => key(projectId, 'CRLC', crlChunkId(crlId, set, i));

export const dynamoCrlItems: CrlItems = {
  async putChunk(projectId, crlId, set, i, derBase64, ttl) {
    await documentClient().send(new PutCommand({ TableName: tableName(), Item: { ...chunkKey(projectId, crlId, set, i), projectId, id: crlChunkId(crlId, set, i), derBase64, ttl } }));
  },
  chunks: async (projectId, crlId, set) => (await queryPrefix(projectId, sk('CRLC', `${crlId}#${set}#`), 'derBase64')).map((i) => String(i.derBase64 ?? '')),
  async expireChunks(projectId, crlId, chunks, ttl) {
    for (let i = 0; i < chunks.count; i++) {
      await documentClient().send(
        new UpdateCommand({ TableName: tableName(), Key: chunkKey(projectId, crlId, chunks.set, i), UpdateExpression: 'SET #ttl = :ttl', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#ttl': 'ttl' }, ExpressionAttributeValues: { ':ttl': ttl } }),
      ).catch((e: unknown) => {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      });
    }
  },
  putHead: (crl, refreshAt) => putIfNewer('CRL', crl, 'crlNumber', refreshAt ? refreshKeys(refreshAt, crl.projectId, crl.id) : {}),
};

export const crlDer = (crl: CrlRecord) => readCrlDer(dynamoCrlItems, crl);
export const putCrl = (head: CrlHead, der: Buffer, refreshAt?: string, replaces?: CrlRecord) => writeCrl(dynamoCrlItems, head, der, refreshAt, replaces);

/** The partitions of a CRL published so far, by their heads' keys (`CRL#<crlId>.p…`): ids and window ends, no DER. */
export async function crlPartitions(projectId: string, crlId: string): Promise<CrlPartitionHead[]> {
  const items = await queryPrefix(projectId, sk('CRL', `${crlId}.p`), 'sk, coversUntil');
  return items.map((i) => ({ id: String(i.sk).slice('CRL#'.length), ...(typeof i.coversUntil === 'string' ? { coversUntil: i.coversUntil } : {}) }));
}

/** Every item of the project's partition whose sort key starts with `prefix` (consistent, all pages), only `projection`. */
async function queryPrefix(projectId: string, prefix: string, projection: string): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient().send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk(projectId), ':prefix': prefix },
        ProjectionExpression: projection,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
