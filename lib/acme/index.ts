/** The ACME message layer: problem documents, JWS envelopes, EAB, key change, nonces. Pure: no I/O. */
export {
  ACME_ERROR_NS,
  AcmeProblem,
  acmeErrorUrn,
  DEFAULT_STATUS,
  isAcmeProblem,
  PROBLEM_CONTENT_TYPE,
  problemDocument,
  type AcmeErrorType,
  type AcmeSubproblem,
  type ProblemDocument,
} from './problem.js';
export {
  ACCOUNT_ALGORITHMS,
  dns01Value,
  EAB_ALGORITHMS,
  keyAuthorization,
  MAX_JWS_BODY_BYTES,
  parseJws,
  payloadJson,
  payloadObject,
  verifyEab,
  verifyKeyChange,
  verifyWithAccountKey,
  verifyWithJwk,
  type FlattenedJws,
  type ProtectedHeader,
} from './jws.js';
export { thumbprintOf } from './jwk.js';
export { checkNonce, mintNonce } from './nonce.js';
export { acmeKeys, type AcmeKeys } from './secret.js';
export { acmeUrls, type AcmeUrls } from './urls.js';
export { acmeRoute, readSigned, freshNonce, type AcmeAnswer, type AcmeHandler, type AcmeRequest, type SignedRequest } from './route.js';
export { sendValidation, ValidationMessage } from './validationQueue.js';
