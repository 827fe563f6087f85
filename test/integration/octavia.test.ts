import { createPrivateKey, createPublicKey, randomUUID, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createActiveCa, keystoneToken } from '../support/api.js';
import { tempDir, verifyChain } from '../support/openssl.js';
import { hasPythonModules, installPackage, runCommand, SYSTEM_PYTHON } from '../support/python.js';

/**
 * Octavia's amphora certificates from this service: Octavia's own GenerateServerPEMTask loads our
 * generator through stevedore ([certificates] cert_generator = openstack_ca_cert_generator); the
 * worker makes the key into a Barbican container only the requesting user (Octavia's) can read.
 */
const available = hasPythonModules('octavia.controller.worker.v2.tasks.cert_task');
const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe.skipIf(!available && process.env.CI_REQUIRE_ALL !== '1')('Octavia certificate generator', () => {
  let ca: any;
  let site: string;
  let confFile: string;

  beforeAll(async () => {
    site = installPackage(tmp.dir);
    const admin = await keystoneToken('admin', 'secret', 'tenant-a');
    ca = await createActiveCa(admin, { subject: { CN: 'Octavia Amphora CA' }, key_type: 'EC-P256', validity_days: 365 });
    const profile = await api('PUT', `/v1/cas/${ca.id}/profiles/octavia`, { token: admin, body: { allow_any_name: true, cn_must_be_object_id: true, key_types: ['RSA'] } });
    expect(profile.status, JSON.stringify(profile.body)).toBe(201);
    confFile = join(tmp.dir, 'octavia.conf');
    writeFileSync(
      confFile,
      [
        '[certificates]',
        'cert_generator = openstack_ca_cert_generator',
        'cert_validity_time = 86400',
        '[openstack_ca]',
        `endpoint = ${process.env.API_URL}`,
        `ca_id = ${ca.id}`,
        'profile = octavia',
        'auth_type = password',
        `auth_url = ${process.env.OS_AUTH_URL}`,
        'username = alice',
        'password = apass',
        'project_name = tenant-a',
        'user_domain_name = Default',
        'project_domain_name = Default',
        '',
      ].join('\n'),
    );
  });

  it("GenerateServerPEMTask makes the amphora's certificate and key with our CA", async () => {
    const amphoraId = randomUUID();
    const started = Date.now();
    const r = await runCommand(SYSTEM_PYTHON, [join(import.meta.dirname, '..', 'support', 'octavia_server_pem.py'), confFile, amphoraId], { PYTHONPATH: site, HOME: tmp.dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.generator).toBe('openstack_ca.octavia.generator.OpenStackCACertGenerator');
    const certPem = out.pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----\n/)[0];
    const keyPem = out.pem.match(/-----BEGIN RSA PRIVATE KEY-----[^-]+-----END RSA PRIVATE KEY-----\n/)[0];
    const cert = new X509Certificate(certPem);
    console.log(`GenerateServerPEMTask().execute('${amphoraId}') in ${Date.now() - started} ms:\n${r.stderr}${x509Summary(cert)}\n${out.pem.replace(/(PRIVATE KEY-----\n)[\s\S]*?(\n-----END)/, '$1…$2')}`);
    expect(cert.subject).toBe(`CN=${amphoraId}`);
    expect(cert.subjectAltName).toBe(`DNS:${amphoraId}`); // what Octavia's amphora driver asserts
    expect(cert.issuer).toBe('CN=Octavia Amphora CA');
    expect(Date.parse(cert.validTo) - Date.parse(cert.validFrom)).toBe(86_400_000);
    expect(verifyChain(tmp.dir, ca.certificate, certPem)).toContain('OK');
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(cert.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);

    // The service recorded it as a server-side key certificate for that object.
    const alice = await keystoneToken('alice', 'apass', 'tenant-a');
    const listed = await api('GET', `/v1/certificates?ca_id=${ca.id}`, { token: alice });
    const recorded = listed.body.certificates.find((c: any) => c.certificate?.trim() === certPem.trim());
    expect(recorded).toMatchObject({ status: 'issued', key_location: 'barbican', ttl_seconds: 86400 });
  });
});

const x509Summary = (c: X509Certificate) => `subject=${c.subject} issuer=${c.issuer} serial=${c.serialNumber} notBefore=${c.validFrom} notAfter=${c.validTo}`;
