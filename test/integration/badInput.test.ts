import { beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken, waitForJob } from '../support/api.js';
import { makeCsr, tempDir } from '../support/openssl.js';

let admin: string;
let ca: any;
let goodCsr: string;

beforeAll(async () => {
  admin = await keystoneToken('admin', 'secret', 'admin');
  ca = await createActiveCa(admin, { subject: { CN: 'Bad Input Root' } });
  const tmp = tempDir();
  goodCsr = makeCsr(tmp.dir, 'ec256', 'ok.example.org', ['DNS:ok.example.org']).csr;
  tmp.cleanup();
});

const certs = () => `/v1/cas/${ca.id}/certificates`;

async function countCertificates(): Promise<number> {
  const { body } = await api('GET', `/v1/certificates?ca_id=${ca.id}&limit=200`, { token: admin });
  return body.certificates.length;
}

describe('bad input gets a clear error and leaves nothing behind', () => {
  it('malformed JSON: 400 BODY_MALFORMED_JSON', async () => {
    const before = await countCertificates();
    const { status, body } = await api('POST', certs(), { token: admin, raw: '{"csr": ', headers: { 'Content-Type': 'application/json' } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('BODY_MALFORMED_JSON');
    expect(await countCertificates()).toBe(before);
  });

  it('schema violation: 400 naming the field', async () => {
    const { status, body } = await api('POST', '/v1/cas', { token: admin, body: { subject: { CN: 'x' }, key_type: 'RSA-1024' } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('BODY_INVALID');
    expect(body.error.details.field).toBe('key_type');
    expect(body.error.message).toContain('key_type');
  });

  it('unknown fields are refused, not ignored', async () => {
    const { status, body } = await api('POST', '/v1/cas', { token: admin, body: { subject: { CN: 'x' }, keytype: 'EC-P256' } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('BODY_INVALID');
  });

  it('a bad TTL names the field', async () => {
    const { status, body } = await api('POST', certs(), { token: admin, body: { csr: goodCsr, ttl: '3 weeks' } });
    expect(status).toBe(400);
    expect(body.error.details.field).toBe('ttl');
  });

  it('body over 64 KiB: 413', async () => {
    const { status, body } = await api('POST', certs(), { token: admin, raw: JSON.stringify({ csr: 'A'.repeat(70 * 1024) }), headers: { 'Content-Type': 'application/json' } });
    expect(status).toBe(413);
    expect(body.error.code).toBe('BODY_TOO_LARGE');
  });

  it('wrong content type: 415', async () => {
    const { status, body } = await api('POST', certs(), { token: admin, raw: `csr=${encodeURIComponent(goodCsr)}`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(status).toBe(415);
    expect(body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('a CSR that does not parse: 400 CSR_MALFORMED', async () => {
    const before = await countCertificates();
    const { status, body } = await api('POST', certs(), { token: admin, body: { csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n', sans: ['DNS:x.example.org'] } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('CSR_MALFORMED');
    expect(await countCertificates()).toBe(before);
  });

  it('a CSR whose signature fails: 400 CSR_SIGNATURE_INVALID', async () => {
    // Flip one bit near the end of the DER: inside the signature.
    const b64 = goodCsr.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    const der = Buffer.from(b64, 'base64');
    der[der.length - 5] ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
    const { status, body } = await api('POST', certs(), { token: admin, body: { csr: tampered } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('CSR_SIGNATURE_INVALID');
  });

  it('a weak key: 400 CSR_KEY_UNSUPPORTED', async () => {
    const tmp = tempDir();
    const { csr } = makeCsr(tmp.dir, 'rsa1024', 'weak.example.org', ['DNS:weak.example.org']);
    tmp.cleanup();
    const { status, body } = await api('POST', certs(), { token: admin, body: { csr } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('CSR_KEY_UNSUPPORTED');
  });

  it.each([['DNS:bad..example.org'], ['DNS:a.*.example.org'], ['IP:300.1.1.1'], ['email:nobody@'], ['DNS:']])('malformed name %s: 400 SAN_INVALID', async (san) => {
    const { status, body } = await api('POST', certs(), { token: admin, body: { csr: goodCsr, sans: [san] } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('SAN_INVALID');
  });

  it('no names at all: 400 SAN_REQUIRED', async () => {
    const tmp = tempDir();
    const { csr } = makeCsr(tmp.dir, 'ec256', 'nosan');
    tmp.cleanup();
    const { status, body } = await api('POST', certs(), { token: admin, body: { csr } });
    expect(status).toBe(400);
    expect(body.error.code).toBe('SAN_REQUIRED');
  });

  it.each([
    ['CA', '/v1/cas/00000000-0000-4000-8000-000000000000', 'CA_NOT_FOUND'],
    ['job', '/v1/jobs/00000000-0000-4000-8000-000000000000', 'JOB_NOT_FOUND'],
    ['certificate', '/v1/certificates/00000000-0000-4000-8000-000000000000', 'CERTIFICATE_NOT_FOUND'],
  ])('unknown %s: 404', async (_w, path, code) => {
    const { status, body } = await api('GET', path, { token: admin });
    expect(status).toBe(404);
    expect(body.error.code).toBe(code);
  });

  it('bad paging parameters: 400 QUERY_INVALID', async () => {
    const { status, body } = await api('GET', '/v1/certificates?limit=-1', { token: admin });
    expect(status).toBe(400);
    expect(body.error.code).toBe('QUERY_INVALID');
  });
});

describe('ids that cannot exist are not found, never a 500', () => {
  // Over DynamoDB's key size limits: such an id used to reach the store and fail there.
  const long = 'x'.repeat(1100);
  const subject = { subject: { CN: 'x' } };
  it.each([
    ['GET', '/v1/cas/{long}', undefined, 'CA_NOT_FOUND'],
    ['GET', '/v1/cas/{long}/chain', undefined, 'CA_NOT_FOUND'],
    ['GET', '/v1/cas/{long}/csr', undefined, 'CA_NOT_FOUND'],
    ['POST', '/v1/cas/{long}/csr', subject, 'CA_NOT_FOUND'],
    ['PUT', '/v1/cas/{long}/certificate', { certificate: 'x' }, 'CA_NOT_FOUND'],
    ['POST', '/v1/cas/{long}/reissue', undefined, 'CA_NOT_FOUND'],
    ['POST', '/v1/cas/{long}/rotate', undefined, 'CA_NOT_FOUND'],
    ['POST', '/v1/cas/{long}/certificates', { sans: ['DNS:a.example.org'] }, 'CA_NOT_FOUND'],
    ['GET', '/v1/cas/{long}/profiles', undefined, 'CA_NOT_FOUND'],
    ['PUT', '/v1/cas/{long}/profiles/web', {}, 'CA_NOT_FOUND'],
    ['DELETE', '/v1/cas/{long}/profiles/web', undefined, 'CA_NOT_FOUND'],
    ['GET', '/v1/certificates/{long}', undefined, 'CERTIFICATE_NOT_FOUND'],
    ['POST', '/v1/certificates/{long}/revoke', {}, 'CERTIFICATE_NOT_FOUND'],
    ['GET', '/v1/jobs/{long}', undefined, 'JOB_NOT_FOUND'],
    ['GET', '/v1/containers/{long}', undefined, 'CONTAINER_NOT_FOUND'],
    ['GET', '/v1/cas/not-a-uuid', undefined, 'CA_NOT_FOUND'],
  ])('%s %s: 404', async (method, path, body, code) => {
    const { status, body: answer } = await api(method, path.replace('{long}', long), { token: admin, ...(body !== undefined ? { body } : {}) });
    expect(answer.error?.code).toBe(code);
    expect(status).toBe(404);
    expect(JSON.stringify(answer)).not.toContain(long);
  });

  it('a profile name that no profile can have: 404 PROFILE_NOT_FOUND; creating one: 400 naming the path parameter', async () => {
    const gone = await api('DELETE', `/v1/cas/${ca.id}/profiles/${'n'.repeat(1100)}`, { token: admin });
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('PROFILE_NOT_FOUND');
    const made = await api('PUT', `/v1/cas/${ca.id}/profiles/${'n'.repeat(1100)}`, { token: admin, body: {} });
    expect(made.status).toBe(400);
    expect(made.body.error).toMatchObject({ code: 'PATH_INVALID', details: { field: 'name' } });
  });

  it('the public CRL and OCSP routes: no CRL, and OCSP "unauthorized"', async () => {
    for (const path of [`/v1/public/${'p'.repeat(1100)}/cas/${ca.id}/crl`, `/v1/public/p1/cas/${long}/crl`]) {
      const { status, body } = await api('GET', path);
      expect(status).toBe(404);
      expect(body.error.code).toBe('CRL_NOT_FOUND');
    }
    const res = await fetch(`${process.env.API_URL ?? 'http://127.0.0.1:13000'}/v1/public/p1/cas/${long}/ocsp`, { method: 'POST', headers: { 'Content-Type': 'application/ocsp-request' }, body: Buffer.from('3000', 'hex') });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/ocsp-response');
  });

  it.each([
    ['/v1/certificates?ca_id=', 'ca_id'],
    ['/v1/events?object_id=', 'object_id'],
    ['/v1/cas?marker=', 'marker'],
    ['/v1/certificates?marker=', 'marker'],
    ['/v1/containers?marker=', 'marker'],
    ['/v1/events?marker=', 'marker'],
  ])('an id in the query that cannot exist (%s…): 400 QUERY_INVALID', async (prefix, field) => {
    const { status, body } = await api('GET', `${prefix}${long}`, { token: admin });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'QUERY_INVALID', details: { field } });
  });
});

describe('"__proto__" in a body is refused, naming where it is', () => {
  it.each([
    ['/v1/cas', '{"subject":{"CN":"proto"},"__proto__":{"validity_days":1}}', '__proto__'],
    ['/v1/cas', '{"subject":{"CN":"proto","__proto__":{"O":"Evil"}}}', 'subject.__proto__'],
    ['/v1/cas', '{"subject":{"CN":"proto"},"name_constraints":{"permitted_dns":["a.example.org"],"__proto__":[]}}', 'name_constraints.__proto__'],
  ])('POST %s %s: 400 naming %s', async (path, raw, field) => {
    const { status, body } = await api('POST', path, { token: admin, raw, headers: { 'Content-Type': 'application/json' } });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'BODY_INVALID', details: { field } });
    expect(body.error.message).toContain(field);
  });

  it('also on routes whose body is read as a free-form record first (profiles, webhook)', async () => {
    const raw = '{"__proto__":{"allow_any_name":true}}';
    for (const [method, path] of [
      ['PUT', `/v1/cas/${ca.id}/profiles/proto`],
      ['PUT', '/v1/webhook'],
    ]) {
      const { status, body } = await api(method, path, { token: admin, raw, headers: { 'Content-Type': 'application/json' } });
      expect(status, path).toBe(400);
      expect(body.error).toMatchObject({ code: 'BODY_INVALID', details: { field: '__proto__' } });
    }
    expect((await api('GET', `/v1/cas/${ca.id}/profiles`, { token: admin })).body.profiles.map((p: any) => p.name)).not.toContain('proto');
  });
});

describe('a request without a body, where every field has a default', () => {
  it('POST /v1/certificates/{id}/revoke with no body and no Content-Type revokes (reason: unspecified)', async () => {
    const issued = await api('POST', certs(), { token: admin, body: { csr: goodCsr } });
    expect(issued.status).toBe(202);
    expect((await waitForJob(admin, issued.body.job.id)).status).toBe('succeeded');
    const { status, body } = await api('POST', `/v1/certificates/${issued.body.certificate.id}/revoke`, { token: admin });
    expect(body.error).toBeUndefined();
    expect(status).toBe(200);
    expect(body.certificate).toMatchObject({ status: 'revoked', revocation_reason: 'unspecified' });
  });

  it('a route whose body has required fields: 400 naming the missing one, not 415', async () => {
    const { status, body } = await api('POST', '/v1/cas', { token: admin });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'BODY_INVALID', details: { field: 'subject' } });
  });

  it('a body that is there still needs Content-Type: application/json', async () => {
    const { status, body } = await api('POST', `/v1/certificates/${crypto.randomUUID()}/revoke`, { token: admin, raw: '{"reason":"keyCompromise"}', headers: { 'Content-Type': 'text/plain' } });
    expect(status).toBe(415);
    expect(body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('request ids', () => {
  it('every request gets its own x-openstack-request-id, public or authenticated', async () => {
    const ids = [];
    for (const [path, token] of [['/', undefined], ['/', undefined], ['/v1/cas?limit=1', admin], ['/v1/cas?limit=1', admin], ['/v1/jobs/nope', admin]]) {
      const { headers, body } = await api('GET', path!, { token });
      const id = headers.get('x-openstack-request-id');
      expect(id).toMatch(/^req-[0-9a-f-]{36}$/);
      if (body?.error) expect(body.error.request_id).toBe(id);
      ids.push(id);
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.join()).not.toContain('offlineContext');
  });
});
