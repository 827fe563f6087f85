import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { keyAuthorization } from '../../lib/acme/jws.js';
import { sendValidation, ValidationMessage } from '../../lib/acme/validationQueue.js';
import { errorFields, log } from '../../lib/log/index.js';
import { challengeTypesFor } from '../../lib/ra/index.js';
import { acmeAccounts, acmeAuthorizations, StaleRecordError, type AcmeAuthzRecord, type AcmeValidation } from '../../lib/store/index.js';
import { validateChallenge, validationSettingsFromEnv, type ValidationResult } from '../../lib/va/index.js';

/**
 * The ACME validation authority (Boulder's VA): the only function that connects to hosts a tenant
 * names. It holds no key and no Keystone credential and can send only to its own queue. It re-reads
 * the authorization and the account (the message is only a pointer) and writes its finding under
 * the condition that the authorization is still pending.
 */
const MAX_ATTEMPTS = 3;
const RETRY_DELAY_S = 5;

type Finding = Omit<AcmeValidation, 'at'>;

async function record(authz: AcmeAuthzRecord, finding: Finding): Promise<void> {
  const validation: AcmeValidation = { ...finding, at: new Date().toISOString() };
  try {
    await acmeAuthorizations.update(authz.projectId, authz.id, { status: finding.status, validation }, ['pending']);
  } catch (e) {
    if (!(e instanceof StaleRecordError)) throw e; // deactivated meanwhile: nothing to record
  }
}

const invalid = (type: Finding['type'], acmeType: string, detail: string): Finding => ({ status: 'invalid', type, error: { type: `urn:ietf:params:acme:error:${acmeType}`, detail } });

export async function validateOne(body: string): Promise<void> {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    raw = undefined;
  }
  const parsed = ValidationMessage.safeParse(raw);
  if (!parsed.success) {
    log.warn('validation message refused', { reason: parsed.error.issues[0]?.message });
    return;
  }
  const msg = parsed.data;
  const authz = await acmeAuthorizations.get(msg.projectId, msg.authzId);
  const ch = authz?.challenges.find((c) => c.type === msg.type);
  if (!authz || !ch?.requestedAt || authz.status !== 'pending' || authz.validation) return;
  if (Date.parse(authz.expires) <= Date.now()) return;
  if (!challengeTypesFor(authz.identifier, authz.wildcard).includes(msg.type)) return record(authz, invalid(msg.type, 'malformed', `${msg.type} cannot validate ${authz.wildcard ? 'a wildcard' : `an ${authz.identifier.type} identifier`}`));
  const account = await acmeAccounts.get(msg.projectId, authz.accountId);
  if (!account || account.status !== 'valid' || account.caId !== authz.caId) return record(authz, invalid(msg.type, 'unauthorized', 'the account of this authorization is not valid'));

  const result: ValidationResult = await validateChallenge({ type: msg.type, identifier: authz.identifier, token: ch.token, keyAuthorization: await keyAuthorization(ch.token, account.jwk) }, validationSettingsFromEnv(process.env));
  const records = result.records as unknown as Array<Record<string, unknown>>;
  if (result.status === 'valid') return record(authz, { status: 'valid', type: msg.type, records });
  const attempts = (authz.attempts ?? 0) + 1;
  if (result.transient && attempts < MAX_ATTEMPTS) {
    log.info('validation retried', { project: msg.projectId, authzId: authz.id, type: msg.type, attempts, reason: result.error.detail });
    await acmeAuthorizations.update(authz.projectId, authz.id, { attempts }, ['pending']);
    await sendValidation(msg, RETRY_DELAY_S * attempts);
    return;
  }
  await record(authz, { ...invalid(msg.type, result.error.type, result.error.detail), records });
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const r of event.Records) {
    try {
      await validateOne(r.body);
    } catch (e) {
      log.error('validation failed', { messageId: r.messageId, ...errorFields(e) });
      batchItemFailures.push({ itemIdentifier: r.messageId });
    }
  }
  return { batchItemFailures };
};
