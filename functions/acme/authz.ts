import { isUuid } from '../../lib/http/params.js';
import { AcmeProblem, readSigned, sendValidation, type AcmeHandler, type AcmeRequest } from '../../lib/acme/index.js';
import { authzStatus, authzView, challengeView } from '../../lib/acme/views.js';
import { acmeAuthorizations, StaleRecordError, type AcmeAccountRecord, type AcmeAuthzRecord } from '../../lib/store/index.js';

async function authzOfAccount(req: AcmeRequest, account: AcmeAccountRecord): Promise<AcmeAuthzRecord> {
  const id = req.params.authz ?? '';
  const authz = isUuid(id) ? await acmeAuthorizations.get(req.projectId, id) : undefined;
  if (!authz || authz.caId !== req.ca.id || authz.accountId !== account.id) throw new AcmeProblem('malformed', `no authorization ${id} of this account`, { status: 404 });
  return authz;
}

/** POST authz/{authz}: POST-as-GET, or deactivation by the client (RFC 8555 7.5.2). */
export const authorization: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  let authz = await authzOfAccount(req, signed.account!);
  if (signed.payload !== undefined) {
    const body = signed.payload as Record<string, unknown> | null;
    if (!body || typeof body !== 'object' || Array.isArray(body) || body.status !== 'deactivated' || Object.keys(body).length !== 1) {
      throw new AcmeProblem('malformed', 'an authorization can only be updated with {"status": "deactivated"}');
    }
    const status = authzStatus(authz, req.now);
    if (status !== 'pending' && status !== 'valid') throw new AcmeProblem('malformed', `the authorization is ${status}; only pending or valid ones can be deactivated`);
    authz = await acmeAuthorizations.update(req.projectId, authz.id, { status: 'deactivated' }, ['pending', 'valid']);
  }
  const view = authzView(authz, req.urls, req.now);
  const validating = view.status === 'pending' && authz.challenges.some((c) => c.requestedAt);
  const headers: Record<string, string> = validating ? { 'Retry-After': '1' } : {};
  return { status: 200, headers, body: view };
};

/**
 * POST chall/{authz}/{type} with `{}`: the client says it is ready; the challenge turns processing
 * and the validator (its own function, the only one that connects to tenant hosts) is asked.
 * Answering again, or after the result, changes nothing (RFC 8555 7.5.1).
 */
export const challenge: AcmeHandler = async (req) => {
  const signed = await readSigned(req);
  let authz = await authzOfAccount(req, signed.account!);
  const ch = authz.challenges.find((c) => c.type === req.params.type);
  if (!ch) throw new AcmeProblem('malformed', `the authorization has no ${req.params.type} challenge`, { status: 404 });
  const up = { Link: `<${req.urls.authz(authz.id)}>;rel="up"` };
  if (signed.payload === undefined) {
    const view = challengeView(authz, ch, req.urls);
    return { status: 200, headers: view.status === 'processing' ? { ...up, 'Retry-After': '1' } : up, body: view };
  }
  const body = signed.payload as Record<string, unknown> | null;
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new AcmeProblem('malformed', 'a challenge response is the JSON object {}');
  if (authzStatus(authz, req.now) !== 'pending' || authz.challenges.some((c) => c.requestedAt)) return { status: 200, headers: up, body: challengeView(authz, ch, req.urls) };
  const requestedAt = req.now.toISOString();
  try {
    authz = await acmeAuthorizations.update(req.projectId, authz.id, { challenges: authz.challenges.map((c) => (c.type === ch.type ? { ...c, requestedAt } : c)) }, ['pending']);
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e;
    authz = (await acmeAuthorizations.get(req.projectId, authz.id))!;
    return { status: 200, headers: up, body: challengeView(authz, ch, req.urls) };
  }
  try {
    await sendValidation({ v: 1, projectId: req.projectId, authzId: authz.id, type: ch.type });
  } catch (e) {
    // Not left processing forever: the client may ask again.
    await acmeAuthorizations.update(req.projectId, authz.id, { challenges: authz.challenges.map((c) => ({ type: c.type, token: c.token })) }, ['pending']).catch(() => undefined);
    throw e;
  }
  const now = authz.challenges.find((c) => c.type === ch.type)!;
  // lego polls after Retry-After (5 s without one); validation here takes well under a second.
  return { status: 200, headers: { ...up, 'Retry-After': '1' }, body: challengeView(authz, now, req.urls) };
};
