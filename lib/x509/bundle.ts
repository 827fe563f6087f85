import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { badRequest } from '../errors/index.js';
import { readCertificate, type Cert } from './certificateReader.js';
import { checkLinks } from './chain.js';
import { pemBlocks } from './pem.js';

/**
 * Checks a certificate bundle a tenant hands over (the Octavia certificate container): the
 * certificate, its private key (PEM or DER PKCS#8/PKCS#1/SEC1, maybe encrypted), the
 * intermediates, and the passphrase. Pure: the caller fetched the bytes.
 */
export interface CertificateBundle {
  certificate: Buffer;
  privateKey: Buffer;
  intermediates?: Buffer;
  passphrase?: Buffer;
}

export interface ValidatedBundle {
  certificatePem: string;
  chainPem: string[];
  subject: string;
  sans: string[];
  serial: string;
  notBefore: string;
  notAfter: string;
  keyType: string;
}

/** Every certificate of a PEM bundle (RFC 7468; other blocks are ignored), or a single DER certificate, read by `read`. */
function certificatesOf<T>(data: Buffer, what: string, read: (der: Buffer) => T): T[] {
  const text = data.toString('latin1');
  const found = pemBlocks(text);
  // A BEGIN line left open at the very end is not a certificate, and was never taken for one.
  if (found.at(-1)?.unterminated) found.pop();
  const blocks = found.filter((b) => b.label === 'CERTIFICATE');
  try {
    if (blocks.length) return blocks.map((b) => read(b.der && b.padded && !b.mismatched ? b.der : Buffer.alloc(0)));
    if (text.trim() === '') return [];
    return [read(data)];
  } catch {
    throw badRequest('BUNDLE_INVALID', `The ${what} is not a PEM or DER X.509 certificate.`, { part: what });
  }
}

/** Every certificate of a PEM bundle (RFC 7468), or a single DER certificate. */
export const splitCertificates = (data: Buffer, what: string): X509Certificate[] => certificatesOf(data, what, (der) => new X509Certificate(der));

function loadKey(bundle: CertificateBundle): KeyObject {
  const passphrase = bundle.passphrase?.toString('utf8');
  const isPem = bundle.privateKey.toString('latin1').includes('-----BEGIN');
  const attempts: Array<Parameters<typeof createPrivateKey>[0]> = isPem
    ? [{ key: bundle.privateKey, format: 'pem', passphrase }]
    : [
        { key: bundle.privateKey, format: 'der', type: 'pkcs8', passphrase },
        { key: bundle.privateKey, format: 'der', type: 'pkcs1' },
        { key: bundle.privateKey, format: 'der', type: 'sec1' },
      ];
  for (const a of attempts) {
    try {
      return createPrivateKey(a);
    } catch (e) {
      const code = (e as { code?: string }).code ?? '';
      // A wrong passphrase is BAD_DECRYPT; none at all for an encrypted key is INTERRUPTED_OR_CANCELLED.
      if (/BAD_DECRYPT|INTERRUPTED_OR_CANCELLED/.test(code) || /passphrase/i.test((e as Error).message)) {
        throw badRequest('BUNDLE_PASSPHRASE_INVALID', passphrase ? 'The passphrase does not decrypt the private key.' : 'The private key is encrypted; add its passphrase to the container.', { part: 'private_key_passphrase' });
      }
    }
  }
  throw badRequest('BUNDLE_INVALID', 'The private key is not a PEM or DER private key.', { part: 'private_key' });
}

const describe = (c: Cert) => `"${c.x509.subject.replace(/\n/g, ', ')}"`;

export function validateCertificateBundle(bundle: CertificateBundle, now: Date): ValidatedBundle {
  const [leaf, ...extra] = certificatesOf(bundle.certificate, 'certificate', readCertificate);
  if (!leaf) throw badRequest('BUNDLE_INVALID', 'The container holds no certificate.', { part: 'certificate' });
  // Some tools put the chain after the leaf in the same file; accept it as intermediates.
  const intermediates = [...extra, ...(bundle.intermediates ? certificatesOf(bundle.intermediates, 'intermediates', readCertificate) : [])];

  const key = loadKey(bundle);
  if (!leaf.x509.checkPrivateKey(key)) throw badRequest('BUNDLE_KEY_MISMATCH', 'The private key does not belong to the certificate.', { part: 'private_key' });

  const t = now.getTime();
  for (const c of [leaf, ...intermediates]) {
    if (c.notAfter.getTime() <= t) throw badRequest('BUNDLE_EXPIRED', `The certificate ${describe(c)} expired at ${c.notAfter.toISOString()}.`, { subject: c.x509.subject });
    if (c.notBefore.getTime() > t) throw badRequest('BUNDLE_NOT_YET_VALID', `The certificate ${describe(c)} is not valid before ${c.notBefore.toISOString()}.`, { subject: c.x509.subject });
  }

  // Each certificate must be issued and signed by the next one; the chain may end at a root or not.
  const broken = checkLinks([leaf, ...intermediates]);
  if (broken?.fault === 'not-ca') {
    throw badRequest('BUNDLE_CHAIN_INVALID', `${describe(broken.parent)} is not a CA certificate, yet it should have issued ${describe(broken.child)}.`, { link: broken.link });
  }
  if (broken?.fault === 'not-issued') {
    throw badRequest('BUNDLE_CHAIN_INVALID', `${describe(broken.child)} is not signed by the next certificate of the bundle, ${describe(broken.parent)}; put the intermediates in order, issuer after subject.`, { link: broken.link });
  }
  if (broken) throw badRequest('BUNDLE_CHAIN_INVALID', `The root ${describe(broken.child)} has a bad self-signature.`, { link: broken.link });

  const x = leaf.x509;
  return {
    certificatePem: x.toString().trim(),
    chainPem: intermediates.map((c) => c.x509.toString().trim()),
    subject: x.subject.replace(/\n/g, ', '),
    sans: (x.subjectAltName ?? '').split(', ').filter(Boolean).map((s) => s.replace(/^IP Address:/, 'IP:')),
    serial: x.serialNumber.toLowerCase(),
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    keyType: key.asymmetricKeyType ?? 'unknown',
  };
}
