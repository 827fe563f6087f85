import { BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { checkApiWrite, STORE_WRITERS, WORKER_ONLY_ATTRIBUTES } from '../../../lib/store/writers.js';
import { key, pk, revocationId, sk, tokenCacheKey } from '../../../lib/store/keys.js';

/** The local mirror of the API role's IAM policy (the boundary tests compare the two lists). */
describe('what the API role may write', () => {
  it('never a whole item, but for the shared token validations (their own partitions)', () => {
    expect(() => checkApiWrite(new PutCommand({ TableName: 't', Item: { pk: 'P#a', sk: 'CA#1' } }))).toThrow(/PutItem/);
    expect(() => checkApiWrite(new PutCommand({ TableName: 't', Item: { pk: 'H#a', sk: 'HOOK#webhook' } }))).toThrow(/PutItem/);
    expect(() => checkApiWrite(new PutCommand({ TableName: 't', Item: { ...tokenCacheKey('ab'.repeat(32)), v: 1, creds: {}, ctx: {}, until: 1, ttl: 1 } }))).not.toThrow();
    // Not the validator's (its role has no PutItem), and not with an attribute the worker trusts.
    expect(() => checkApiWrite(new PutCommand({ TableName: 't', Item: { ...tokenCacheKey('ab'.repeat(32)), v: 1 } }), 'validator')).toThrow(/PutItem/);
    expect(() => checkApiWrite(new PutCommand({ TableName: 't', Item: { ...tokenCacheKey('ab'.repeat(32)), keyRef: 'x' } }))).toThrow(/may not write keyRef/);
  });

  it('no batch write, for any of the roles the store mirrors (none has BatchWriteItem: it is the worker\'s)', () => {
    const batch = new BatchWriteCommand({ RequestItems: { t: [{ PutRequest: { Item: { pk: 'P#a', sk: 'EVT#1', action: 'x' } } }] } });
    for (const writer of STORE_WRITERS) expect(() => checkApiWrite(batch, writer), writer).toThrow(/may not BatchWriteItem/);
  });

  it('never an attribute the worker trusts, by name or placeholder, set or removed', () => {
    for (const expression of ['SET keyRef = :v', 'SET #a = :v', 'REMOVE #a', 'SET #s = :s REMOVE certificatePem']) {
      const names = { '#a': 'keyRef', '#s': 'status' };
      expect(() => checkApiWrite(new UpdateCommand({ TableName: 't', Key: { pk: 'P#a', sk: 'CA#1' }, UpdateExpression: expression, ExpressionAttributeNames: names }))).toThrow(/may not write/);
    }
    expect(WORKER_ONLY_ATTRIBUTES).toEqual(expect.arrayContaining(['keyRef', 'certificatePem', 'derBase64', 'crlRevokedAt', 'claimToken']));
  });

  it('neither a revocation item nor a CRL chunk: not their worker-only attributes, not delete them', () => {
    for (const [sk, expression] of [['REV#ca.g1#01ab', 'SET crlRevokedAt = :v'], ['REV#ca#01ab', 'REMOVE crlRevocationReason'], ['REV#ca#01ab', 'SET crlCertificateId = :v'], ['CRLC#ca#2.ab#0000', 'SET derBase64 = :v'], ['CRL#ca', 'REMOVE derChunks']]) {
      expect(() => checkApiWrite(new UpdateCommand({ TableName: 't', Key: { pk: 'P#a', sk }, UpdateExpression: expression })), `${sk}: ${expression}`).toThrow(/may not write/);
    }
    expect(() => checkApiWrite(new DeleteCommand({ TableName: 't', Key: { pk: 'P#a', sk: 'REV#ca#01ab' } }))).toThrow(/delete only/);
  });

  it('never the whole item back from a write (IAM counts returned attributes too)', () => {
    expect(() => checkApiWrite(new UpdateCommand({ TableName: 't', Key: { pk: 'P#a', sk: 'CA#1' }, UpdateExpression: 'SET #s = :s', ExpressionAttributeNames: { '#s': 'status' }, ReturnValues: 'ALL_NEW' }))).toThrow(/returned/);
  });

  it('the fields of a request, and deletes only of webhooks', () => {
    expect(() => checkApiWrite(new UpdateCommand({ TableName: 't', Key: { pk: 'P#a', sk: 'CERT#1' }, UpdateExpression: 'SET #s = :s, revokedAt = :r', ExpressionAttributeNames: { '#s': 'status' } }))).not.toThrow();
    expect(() => checkApiWrite(new DeleteCommand({ TableName: 't', Key: { pk: 'H#a', sk: 'HOOK#webhook' } }))).not.toThrow();
    expect(() => checkApiWrite(new DeleteCommand({ TableName: 't', Key: { pk: 'P#a', sk: 'CERT#1' } }))).toThrow(/delete only/);
  });

  it('never `ttl` on a project\'s item (DynamoDB would delete it), by name or placeholder; only in each writer\'s own partitions', () => {
    const trusted = [key('a', 'CA', '1'), key('a', 'CERT', '1'), { pk: pk('a'), sk: sk('REV', revocationId('ca', '01ab')) }, key('a', 'CRL', 'ca'), key('system', 'CA', '1')];
    const setTtl = (Key: { pk: string; sk: string }, expression = 'SET #t = :t') =>
      new UpdateCommand({ TableName: 't', Key, UpdateExpression: expression, ExpressionAttributeNames: expression.includes('#t') ? { '#t': 'ttl' } : undefined, ExpressionAttributeValues: { ':t': 1 } });
    for (const writer of STORE_WRITERS) {
      for (const item of trusted) {
        for (const expression of ['SET #t = :t', 'SET ttl = :t', 'REMOVE ttl']) expect(() => checkApiWrite(setTtl(item, expression), writer), `${writer} ${item.sk} ${expression}`).toThrow(/may not write ttl/);
      }
    }
    expect(() => checkApiWrite(new PutCommand({ TableName: 't', Item: { ...tokenCacheKey('ab'.repeat(32)), ttl: 1 } }), 'acme')).toThrow(/PutItem/);
    // Each front end's own: nonces for ACME, JWS ids for enrollment, the token validations for the API.
    expect(() => checkApiWrite(setTtl(key('a', 'NONCE', 'n')), 'acme')).not.toThrow();
    expect(() => checkApiWrite(setTtl(key('system', 'JTI', 'ca:j')), 'enroll')).not.toThrow();
    expect(() => checkApiWrite(setTtl(tokenCacheKey('ab'.repeat(32))), 'api')).not.toThrow();
    // Not another's.
    expect(() => checkApiWrite(setTtl(key('a', 'NONCE', 'n')), 'api')).toThrow(/may not write ttl/);
    expect(() => checkApiWrite(setTtl(key('system', 'JTI', 'ca:j')), 'acme')).toThrow(/may not write ttl/);
    for (const writer of ['notifier', 'validator'] as const) expect(() => checkApiWrite(setTtl(key('a', 'NONCE', 'n')), writer)).toThrow(/may not write ttl/);
  });
});
