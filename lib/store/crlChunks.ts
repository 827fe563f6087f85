import { randomUUID } from 'node:crypto';
import { AppError } from '../errors/index.js';
import { StaleRecordError } from './records.js';
import type { CrlChunkSet, CrlHead, CrlRecord } from './types.js';

/**
 * A CRL grows with its revocations, an item does not (DynamoDB refuses items over 400 KB): a DER
 * whose base64 is longer than this goes into chunk items of at most this many characters, written
 * before the head that names them, so a reader never finds a head without all of its DER. The same
 * rules for both stores: each gives only the item operations (CrlItems).
 */
export const CRL_CHUNK_CHARS = 300_000;
/** A superseded chunk set stays this long (seconds) for readers that read its head just before. */
export const SUPERSEDED_CHUNK_GRACE_S = 3600;
/**
 * Chunks whose head is never superseded (a publisher stopped before writing it, or the generation
 * stopped being re-signed because its certificate, and so everything it signed, expired) go this
 * long after their CRL's nextUpdate: every live CRL is re-signed (new chunks) well before.
 */
export const UNSUPERSEDED_CHUNK_RETAIN_S = 30 * 86400;

/** A head names chunks that are not all there (or not of its size). */
export class CrlIncompleteError extends AppError {
  constructor(crlId: string, why: string) {
    super('CRL_INCOMPLETE', 503, `the CRL ${crlId} cannot be read: ${why}`, { retryAfter: 5 });
  }
}

/** What each store does with the items of a CRL. */
export interface CrlItems {
  putChunk(projectId: string, crlId: string, set: string, i: number, derBase64: string, ttl: number): Promise<void>;
  /** The chunks of one set, in order. */
  chunks(projectId: string, crlId: string, set: string): Promise<string[]>;
  /** Gives a set's chunks a TTL (DynamoDB removes them after it). */
  expireChunks(projectId: string, crlId: string, chunks: CrlChunkSet, ttl: number): Promise<void>;
  /** The head, only over an older CRL (StaleRecordError otherwise); due for re-signing at `refreshAt`. */
  putHead(crl: CrlRecord, refreshAt?: string): Promise<void>;
}

const seconds = (iso: string) => Math.ceil(Date.parse(iso) / 1000);

/**
 * Writes a CRL: its DER in the head when it fits, else chunks first and the head last (PutItem:
 * whatever the head it replaces held, `revokedSerials` of earlier versions among it, is gone).
 * `replaces` is the head read before (the one the write goes over): its chunks then expire.
 */
export async function writeCrl(items: CrlItems, head: CrlHead, der: Buffer, refreshAt: string | undefined, replaces: CrlRecord | undefined): Promise<void> {
  const base64 = der.toString('base64');
  const now = seconds(head.updatedAt);
  if (base64.length <= CRL_CHUNK_CHARS) await items.putHead({ ...head, derBase64: base64 }, refreshAt);
  else {
    // A set of its own per attempt: two publishers of the same number never write into each other's chunks.
    const chunks: CrlChunkSet = { set: `${head.crlNumber}.${randomUUID().slice(0, 8)}`, count: Math.ceil(base64.length / CRL_CHUNK_CHARS), size: der.length };
    const ttl = seconds(head.nextUpdate) + UNSUPERSEDED_CHUNK_RETAIN_S;
    for (let i = 0; i < chunks.count; i++) await items.putChunk(head.projectId, head.id, chunks.set, i, base64.slice(i * CRL_CHUNK_CHARS, (i + 1) * CRL_CHUNK_CHARS), ttl);
    try {
      await items.putHead({ ...head, derChunks: chunks }, refreshAt);
    } catch (e) {
      if (e instanceof StaleRecordError) await items.expireChunks(head.projectId, head.id, chunks, now);
      throw e;
    }
  }
  if (replaces?.derChunks) await items.expireChunks(head.projectId, head.id, replaces.derChunks, now + SUPERSEDED_CHUNK_GRACE_S);
}

/** A CRL's DER: from its head, or its chunks put together (checked against the head's count and size). */
export async function readCrlDer(items: Pick<CrlItems, 'chunks'>, crl: CrlRecord): Promise<Buffer> {
  if (!crl.derChunks) {
    if (crl.derBase64 === undefined) throw new CrlIncompleteError(crl.id, 'its record holds no DER');
    return Buffer.from(crl.derBase64, 'base64');
  }
  const parts = await items.chunks(crl.projectId, crl.id, crl.derChunks.set);
  const der = Buffer.from(parts.join(''), 'base64');
  if (parts.length !== crl.derChunks.count || der.length !== crl.derChunks.size) {
    throw new CrlIncompleteError(crl.id, `${parts.length} of ${crl.derChunks.count} chunks, ${der.length} of ${crl.derChunks.size} bytes`);
  }
  return der;
}
