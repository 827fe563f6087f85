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
  it('no body and no content type: the schema is given {} (a POST whose fields all have defaults)', () => {
    const defaults = z.object({ reason: z.string().default('unspecified') }).strict();
    const none = { isBase64Encoded: false } as unknown as APIGatewayProxyEventV2;
    expect(readJsonBody(none, undefined, defaults)).toEqual({ reason: 'unspecified' });
    expect(readJsonBody(ev(''), undefined, defaults)).toEqual({ reason: 'unspecified' });
    expect(readJsonBody(ev('', true), undefined, defaults)).toEqual({ reason: 'unspecified' });
    // Required fields: the usual 400 naming the first one missing.
    expect(() => readJsonBody(none, undefined, schema)).toThrow(expect.objectContaining({ status: 400, code: 'BODY_INVALID', details: { field: 'name' } }));
    // A body that is there still needs its media type; an empty one declared as JSON is not JSON.
    expect(() => readJsonBody(ev('{}'), undefined, defaults)).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => readJsonBody(ev(''), 'text/plain', defaults)).toThrow(expect.objectContaining({ status: 415 }));
    expect(() => readJsonBody(ev(''), 'application/json', defaults)).toThrow(expect.objectContaining({ code: 'BODY_MALFORMED_JSON' }));
  });
  it('413 above 64 KiB', () => {
    expect(() => readJsonBody(ev(`{"name":"${'a'.repeat(65 * 1024)}"}`), 'application/json', schema)).toThrow(expect.objectContaining({ status: 413, code: 'BODY_TOO_LARGE' }));
  });
  it('400 for malformed JSON and for schema violations, naming the field', () => {
    expect(() => readJsonBody(ev('{"name":'), 'application/json', schema)).toThrow(expect.objectContaining({ code: 'BODY_MALFORMED_JSON' }));
    expect(() => readJsonBody(ev('{"name":"a"}'), 'application/json', schema)).toThrow(expect.objectContaining({ code: 'BODY_INVALID', details: { field: 'name' } }));
    expect(() => readJsonBody(ev(''), 'application/json', schema)).toThrow(expect.objectContaining({ code: 'BODY_MALFORMED_JSON' }));
  });

  it('400 for a "__proto__" key anywhere, naming where it is, whatever the schema would do with it', () => {
    const loose = z.object({ a: z.string().optional(), subject: z.object({ CN: z.string() }).partial().optional() });
    const record = z.record(z.string(), z.unknown());
    for (const [body, field] of [
      ['{"__proto__":{"a":"x"}}', '__proto__'],
      ['{"a":"x","__proto__":null}', '__proto__'],
      ['{"subject":{"CN":"x","__proto__":{"O":"Evil"}}}', 'subject.__proto__'],
      ['{"list":[{"ok":1},{"__proto__":{}}]}', 'list.1.__proto__'],
    ] as const) {
      for (const schema of [loose, record]) {
        expect(() => readJsonBody(ev(body), 'application/json', schema), body).toThrow(expect.objectContaining({ status: 400, code: 'BODY_INVALID', details: { field } }));
      }
    }
    // Other keys that are names on Object.prototype are plain fields, left to the schema.
    expect(readJsonBody(ev('{"constructor":{"a":1},"prototype":2}'), 'application/json', record)).toEqual({ constructor: { a: 1 }, prototype: 2 });
    expect(readJsonBody(ev('{"a":"__proto__"}'), 'application/json', loose)).toEqual({ a: '__proto__' });
  });
  it('a deeply nested body is read without overflowing the stack', () => {
    const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    expect(() => readJsonBody(ev(`{"a":${deep}}`), 'application/json', z.unknown())).not.toThrow(RangeError);
  });
});
