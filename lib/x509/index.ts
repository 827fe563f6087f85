export { KEY_TYPES, keyTypeOf, signatureAlgorithmFor, type KeyType, type SignatureAlgorithm } from './keys.js';
export { encodeName, decodeName, decodeRdns, nameToString, subjectTextProblem, type SubjectInput } from './name.js';
export { nameToRfc2253 } from './rfc2253.js';
export { parseSan, parseSans, normaliseDnsName, commonNameKind, commonNameAsSan, canonicalIp, canonicalEmail, ipToBytes, type San } from './san.js';
export { parseCsr, type ParsedCsr } from './csr.js';
export { buildTbsCertificate, assembleCertificate, newSerial, subjectKeyIdentifier, type TbsInput, type ExtKeyUsageName, type LeafKeyUsage } from './certificate.js';
export { toPem, pemToDer } from './pem.js';
export { CRL_OID, REASON_CODES, REASON_NAMES, isReasonCode, normaliseSerialHex, buildTbsCrl, assembleCrl, type ReasonCode, type RevokedEntry } from './crl.js';
export {
  parseOcspRequest,
  ocspRequestFromGetPath,
  certIdFor,
  certIdKey,
  issuerHashes,
  matchesIssuer,
  responderKeyHash,
  buildBasicOcspResponse,
  ocspErrorResponse,
  OCSP_REQUEST_CONTENT_TYPE,
  OCSP_RESPONSE_CONTENT_TYPE,
  type CertId,
  type OcspCertStatus,
} from './ocsp.js';
export { lintCertificate, assertLintClean, type LintFinding, type LintKind } from './lint.js';
export { verifyUploadedChain, UPLOAD_CLOCK_SKEW_MS, type VerifiedChain } from './path.js';
export { readCertificate, parseCertificate, type Cert } from './certificateReader.js';
export { extKeyUsages, generalNames, KU } from './extensionReaders.js';
export { buildCsrInfo, assembleCsr } from './csrBuilder.js';
export { checkNameConstraints, encodeNameConstraints, normaliseNameConstraints, isEmptyConstraints, type NameConstraints } from './nameConstraints.js';
export { validateCertificateBundle, splitCertificates, type CertificateBundle, type ValidatedBundle } from './bundle.js';
export { OID } from './oids.js';
export { children, content, decodeOid, readTlv } from './der.js';
