import { AppError } from '../errors/index.js';
import { children, CRL_OID, decodeName, encodeNameConstraints, extKeyUsages, generalNames, ipToBytes, isEmptyConstraints, KU, OID, readCertificate, readTlv, signatureAlgorithmFor, subjectKeyIdentifier, type Cert } from '../x509/index.js';
import type { CertificatePlan, Issuer } from './types.js';

/**
 * Issued = decided: whatever built and signed it (our encoder, cfssl, a token), the certificate is
 * read back by the strict DER reader and node:crypto and compared, field by field, with the plan.
 * Any difference is an ISSUED_NOT_DECIDED error naming the fields: the job fails, nothing is stored.
 */
export class IssuedNotDecidedError extends AppError {
  constructor(readonly fields: string[]) {
    super('ISSUED_NOT_DECIDED', 500, `the signed certificate differs from what was decided (${fields.join(', ')}); it was not kept`, { details: { fields } });
  }
}

const OIDS = { ...OID, cRLDistributionPoints: CRL_OID.cRLDistributionPoints } as const;
const EKU_OIDS = { serverAuth: OIDS.serverAuth, clientAuth: OIDS.clientAuth, codeSigning: OIDS.codeSigning, emailProtection: OIDS.emailProtection } as const;

const sameSet = (a: Iterable<string | number>, b: Iterable<string | number>) => {
  const x = [...new Set(a)].map(String).sort();
  const y = [...new Set(b)].map(String).sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
};

/** Each GeneralName as "tag:hex of its content", so order and case cannot hide a difference. */
const issuedNames = (value: Buffer): string[] => generalNames(value).map((gn) => `${gn.tag}:${gn.value.toString('hex')}`);

function plannedNames(plan: CertificatePlan): string[] {
  return (plan.sans ?? []).map((s) => (s.type === 'ip' ? `${0x87}:${ipToBytes(s.value).toString('hex')}` : `${s.type === 'dns' ? 0x82 : 0x81}:${Buffer.from(s.value, 'ascii').toString('hex')}`));
}

/**
 * The same Name: the same bytes, or the same attributes in the same RDNs with the same values in
 * another string type (Go writes PrintableString where we write UTF8String).
 */
function sameName(issued: Buffer, planned: Buffer): boolean {
  if (issued.equals(planned)) return true;
  try {
    const rdns = (der: Buffer) => children(der, readTlv(der, 0)).length;
    return rdns(issued) === rdns(planned) && JSON.stringify(decodeName(issued)) === JSON.stringify(decodeName(planned));
  } catch {
    return false;
  }
}

const expectedKeyUsage = (plan: CertificatePlan): number[] =>
  plan.kind === 'leaf'
    ? (plan.keyUsage ?? (plan.subjectKeyType.startsWith('RSA') ? ['digitalSignature', 'keyEncipherment'] : ['digitalSignature'])).map((u) => KU[u])
    : [KU.digitalSignature, KU.keyCertSign, KU.cRLSign];

export function verifyIssued(der: Buffer, plan: CertificatePlan, issuer: Issuer): Cert {
  const diff: string[] = [];
  let c: Cert;
  try {
    c = readCertificate(der);
  } catch {
    throw new IssuedNotDecidedError(['structure']);
  }
  if (c.problem) diff.push('extensions');
  const selfSigned = plan.kind === 'root' && !issuer.certificate;
  if (!c.issuerDer.equals(selfSigned ? plan.subjectDer : issuer.nameDer)) diff.push('issuer');
  if (!sameName(c.subjectDer, plan.subjectDer)) diff.push('subject');
  if (!c.spkiDer.equals(plan.spkiDer)) diff.push('public key');
  const second = (d: Date) => Math.floor(d.getTime() / 1000);
  if (second(c.notBefore) !== second(plan.notBefore) || second(c.notAfter) !== second(plan.notAfter)) diff.push('validity');
  // node:crypto's own reading of the certificate (readCertificate made it) checks the signature.
  if (!c.x509.verify(issuer.key.publicKey)) diff.push('signature');
  if (!c.algorithmsAgree || c.signatureOid !== signatureAlgorithmFor(issuer.keyType).oid) diff.push('signature algorithm');
  const ski = c.extensions.get(OIDS.subjectKeyIdentifier);
  // A CA's key identifier is what the certificates it signs name as their authority: it must be there and right.
  if (ski ? !c.subjectKeyId?.equals(subjectKeyIdentifier(plan.spkiDer)) : plan.kind !== 'leaf') diff.push('subjectKeyIdentifier');

  const isCa = plan.kind !== 'leaf';
  if ((c.basicConstraints?.ca ?? false) !== isCa || !c.extensions.get(OIDS.basicConstraints)?.critical || (isCa && c.basicConstraints?.pathLen !== plan.pathLen)) diff.push('basicConstraints');
  if (!c.keyUsage || !sameSet(c.keyUsage, expectedKeyUsage(plan)) || !c.extensions.get(OIDS.keyUsage)?.critical) diff.push('keyUsage');
  const eku = c.extensions.get(OIDS.extKeyUsage);
  const wantEku = isCa ? [] : (plan.extKeyUsage ?? ['serverAuth', 'clientAuth']).map((e) => EKU_OIDS[e]);
  if (wantEku.length ? !eku || !sameSet(extKeyUsages(eku.value), wantEku) : !!eku) diff.push('extKeyUsage');
  const san = c.extensions.get(OIDS.subjectAltName);
  if (plan.sans?.length ? !san || !sameSet(issuedNames(san.value), plannedNames(plan)) || issuedNames(san.value).length !== plan.sans.length : !!san) diff.push('subjectAltName');
  const nc = c.extensions.get(OIDS.nameConstraints);
  const wantNc = isCa && plan.nameConstraints && !isEmptyConstraints(plan.nameConstraints) ? encodeNameConstraints(plan.nameConstraints) : undefined;
  if (wantNc ? !nc || !nc.value.equals(wantNc) || !nc.critical : !!nc) diff.push('nameConstraints');
  if (!c.authorityKeyId?.equals(issuer.subjectKeyId)) diff.push('authorityKeyIdentifier');
  // The bytes are the planned ones (above); node:crypto must also read them as a key.
  if (!c.publicKey) diff.push('public key');
  const crl = c.extensions.get(OIDS.cRLDistributionPoints);
  const aia = c.extensions.get(OIDS.authorityInfoAccess);
  const holds = (e: { value: Buffer } | undefined, url: string) => !!e && e.value.includes(Buffer.from(url, 'ascii'));
  if (plan.revocation ? !holds(crl, plan.revocation.crlUrl) || !holds(aia, plan.revocation.ocspUrl) : !!crl || !!aia) diff.push('revocation URLs');
  const known = new Set<string>([OIDS.basicConstraints, OIDS.keyUsage, OIDS.extKeyUsage, OIDS.subjectAltName, OIDS.nameConstraints, OIDS.subjectKeyIdentifier, OIDS.authorityKeyIdentifier, OIDS.cRLDistributionPoints, OIDS.authorityInfoAccess]);
  const extra = [...c.extensions.keys()].filter((o) => !known.has(o));
  if (extra.length) diff.push(`extensions ${extra.join(' ')}`);
  if (diff.length) throw new IssuedNotDecidedError([...new Set(diff)]);
  return c;
}
