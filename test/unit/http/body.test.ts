import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readJsonBody } from '../../../lib/http/body.js';

const schema = z.object({ name: z.string().min(2) }).strict();
const ev = (body: string, isBase64Encoded = false) => ({ body, isBase64Encoded }) as unknown as APIGatewayProxyEventV2;

describe('readJsonBody', () => {
  it('parses and validates', () => {
    expect(readJsonBody(ev('{"name":"ab"}'), 'application/json; charset=utf-8', schema)).toEqual({ name: 'ab' });
    expect(readJsonBody(ev(Buffer.from('{"name":"ab"}').toString('base64'), true), 'application/json', schema)).toEqual({ name: 'ab' });
  });
  it('415 for another media type', () => {
    expect(() => readJsonBody(ev('{}'), 'text/plain', schema)).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => readJsonBody(ev('{}'), undefined, schema)).toThrow(expect.objectContaining({ status: 415 }));
  });
  it('413 above 64 KiB', () => {
    expect(() => readJsonBody(ev(`{"name":"${'a'.repeat(65 * 1024)}"}`), 'application/json', schema)).toThrow(expect.objectContaining({ status: 413, code: 'BODY_TOO_LARGE' }));
  });
  it('400 for malformed JSON and for schema violations, naming the field', () => {
    expect(() => readJsonBody(ev('{"name":'), 'application/json', schema)).toThrow(expect.objectContaining({ code: 'BODY_MALFORMED_JSON' }));
    expect(() => readJsonBody(ev('{"name":"a"}'), 'application/json', schema)).toThrow(expect.objectContaining({ code: 'BODY_INVALID', details: { field: 'name' } }));
    expect(() => readJsonBody(ev(''), 'application/json', schema)).toThrow(expect.objectContaining({ code: 'BODY_MALFORMED_JSON' }));
  });
});
