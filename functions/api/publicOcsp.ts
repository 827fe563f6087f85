import { X509Certificate } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
// The generations only: lib/ca's index would bring the signing code into an API bundle.
import { generationsOf } from '../../lib/ca/generations.js';
import { publicRoute, revocationCacheHeaders, type RouteResult } from '../../lib/http/index.js';
import { cas, ocspResponses } from '../../lib/store/index.js';
import { issuerHashes, matchesIssuer, ocspErrorResponse, ocspRequestFromGetPath, OCSP_RESPONSE_CONTENT_TYPE, parseOcspRequest } from '../../lib/x509/index.js';

/**
 * OCSP (RFC 6960, RFC 5019 profile) for one CA, every key generation of it: POST
 * /v1/public/{project}/cas/{id}/ocsp with an `application/ocsp-request` body, or GET
 * .../ocsp/{base64 request}. The answers were signed ahead by the worker, each by the generation that
 * signed the certificate; this only finds and returns them. No answer on file: `unauthorized` (RFC 5019 2.2.3).
 */
const HASH_OF: Record<string, 'sha1' | 'sha256'> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256' };


const answer = (data: Buffer, headers: Record<string, string> = {}): RouteResult => ({ status: 200, headers, binary: { data, contentType: OCSP_RESPONSE_CONTENT_TYPE } });

function requestBytes(event: APIGatewayProxyEventV2): Buffer {
  if (event.requestContext?.http?.method === 'GET') return ocspRequestFromGetPath(event.pathParameters?.request ?? '');
  return Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'binary');
}

const unauthorized = () => answer(ocspErrorResponse('unauthorized'));

// A project or CA id that cannot exist has no answers on file either.
export const handler = publicRoute({ params: { project: 'project', id: 'ca' }, notFound: unauthorized }, async ({ event }) => {
  const { project, id } = event.pathParameters as { project: string; id: string };
  let request;
  try {
    request = parseOcspRequest(requestBytes(event));
  } catch {
    return answer(ocspErrorResponse('malformedRequest'));
  }
  const certId = request.certIds[0];
  const ca = await cas.get(project, id);
  if (!ca || request.certIds.length !== 1) return unauthorized();
  // The CertID's issuerKeyHash names the key generation (they all have the same name): its answers only.
  const hash = HASH_OF[certId.hashAlgorithmOid] ?? 'sha1';
  const generation = generationsOf(ca).find((g) => matchesIssuer(certId, issuerHashes(new X509Certificate(g.certificatePem).raw, hash)));
  if (!generation) return unauthorized();
  const stored = await ocspResponses.get(project, ca.id, certId.serialHex);
  // Signed by that generation (answers from before generations were recorded: by the key then in use).
  const signedBy = stored?.keyGeneration ?? ca.keyGeneration ?? 0;
  // The answer whose CertID is hashed as the request's: a client matches nothing else.
  const der = hash === 'sha256' ? stored?.derSha256Base64 : stored?.derBase64;
  if (!stored || !der || signedBy !== generation.generation || Date.parse(stored.nextUpdate) <= Date.now()) return unauthorized();
  return answer(Buffer.from(der, 'base64'), revocationCacheHeaders(stored.thisUpdate, stored.nextUpdate));
});
