export { KEY_TYPES, keyTypeOf, signatureAlgorithmFor, type KeyType, type SignatureAlgorithm } from './keys.js';
export { encodeName, decodeName, nameToString, type SubjectInput } from './name.js';
export { parseSan, parseSans, normaliseDnsName, type San } from './san.js';
export { parseCsr, type ParsedCsr } from './csr.js';
export { buildTbsCertificate, assembleCertificate, newSerial, subjectKeyIdentifier, prepareIssuer, type TbsInput, type ExtKeyUsageName, type LeafKeyUsage, type PreparedIssuer } from './certificate.js';
export { toPem, pemToDer } from './pem.js';
export { checkNameConstraints, encodeNameConstraints, normaliseNameConstraints, isEmptyConstraints, type NameConstraints } from './nameConstraints.js';
export { validateCertificateBundle, splitCertificates, type CertificateBundle, type ValidatedBundle } from './bundle.js';
