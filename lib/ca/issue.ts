import { X509Certificate } from 'node:crypto';
import { AppError } from '../errors/index.js';
import type { Driver } from '../drivers/index.js';
import { assembleCertificate, assertLintClean, buildTbsCertificate, lintCertificate, newSerial, pemToDer, signatureAlgorithmFor, toPem } from '../x509/index.js';
import { prelint } from './prelint.js';
import type { CertificatePlan, Issued, Issuer } from './types.js';
import { verifyIssued } from './verifyIssued.js';

/**
 * The one signing path for certificates (leaves, CA certificates, cross certificates): build the
 * TBS from the plan, lint it (with a placeholder signature), sign with the real key (or have a driver
 * that builds its own certificate do so from the CSR), check issued = decided, lint the result.
 * Nothing that fails any step is returned.
 */
export async function issue(plan: CertificatePlan, issuer: Issuer, driver: Driver, now: Date): Promise<Issued> {
  const algorithm = signatureAlgorithmFor(issuer.keyType);
  const serial = newSerial();
  const tbs = tbsFor(plan, issuer, serial);
  await prelint(tbs, algorithm, issuer.keyType, plan.kind, now);

  let der: Buffer;
  let serialHex: string;
  if (plan.kind === 'leaf' && driver.capabilities.buildsOwnCertificate) {
    der = await builtByDriver(plan, issuer, driver);
    serialHex = new X509Certificate(der).serialNumber.toLowerCase();
  } else {
    der = assembleCertificate(tbs, algorithm, await driver.sign(tbs, algorithm, issuer.key));
    serialHex = serial.toString('hex');
  }
  verifyIssued(der, plan, issuer);
  // verifyIssued checked the signature with the issuer's key: the lint does the rest.
  assertLintClean(lintCertificate(der, { kind: plan.kind, issuerDer: issuer.certificate?.raw, now, signatureChecked: true }));
  return { der, pem: toPem(der, 'CERTIFICATE'), serial: serialHex };
}

/** The TBSCertificate of a plan under an issuer (exported for the bench, which times each step). */
export function tbsFor(plan: CertificatePlan, issuer: Issuer, serial: Buffer): Buffer {
  const selfSigned = plan.kind === 'root' && !issuer.certificate;
  return buildTbsCertificate({
    serial,
    signatureAlgorithm: signatureAlgorithmFor(issuer.keyType),
    issuerDer: selfSigned ? plan.subjectDer : issuer.nameDer,
    subjectDer: plan.subjectDer,
    notBefore: plan.notBefore,
    notAfter: plan.notAfter,
    spkiDer: plan.spkiDer,
    profile: plan.kind === 'leaf' ? 'leaf' : 'ca',
    pathLen: plan.pathLen,
    nameConstraints: plan.nameConstraints,
    subjectKeyType: plan.subjectKeyType,
    authorityKeyId: issuer.subjectKeyId,
    sans: plan.sans,
    keyUsage: plan.keyUsage,
    extKeyUsage: plan.extKeyUsage,
    revocation: plan.revocation,
  });
}

/** A driver such as cfssl builds the certificate from the CSR; it is given every decided field. */
async function builtByDriver(plan: CertificatePlan, issuer: Issuer, driver: Driver): Promise<Buffer> {
  if (issuer.key.location !== 'memory' || !issuer.certificate || !plan.csrPem || !driver.issue) {
    throw new AppError('CA_DRIVER_MISMATCH', 409, `the signing driver "${driver.name}" needs the CA key in memory, the CA certificate and a CSR`);
  }
  const pem = await driver.issue({
    csrPem: plan.csrPem,
    caCertPem: issuer.certificate.toString(),
    caKey: issuer.key,
    subject: plan.subject ?? {},
    sans: plan.sans ?? [],
    notBefore: plan.notBefore,
    notAfter: plan.notAfter,
    keyUsage: plan.keyUsage,
    extKeyUsage: plan.extKeyUsage,
    revocation: plan.revocation,
  });
  return pemToDer(pem, 'CERTIFICATE');
}
