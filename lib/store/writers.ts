import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import WORKER_ONLY from './workerOnlyAttributes.json' with { type: 'json' };
import VALIDATOR_ONLY from './validatorOnlyAttributes.json' with { type: 'json' };
import { TOKEN_CACHE_PARTITION_PREFIX } from './keys.js';

/**
 * What the API role may write, mirrored from its IAM policy (serverless.yml reads the same JSON,
 * and the boundary tests compare them): never an attribute the worker trusts (CA keys and
 * certificates, issued certificates, CRLs, OCSP answers, claims), never a whole item (no PutItem:
 * only UpdateItem, which cannot drop what it does not name) but the shared token validations
 * (their own partitions, `TOK#`, where the worker writes nothing), and deletes only of webhooks
 * (their own partition, `H#`). A compromised API can ask for what some user could ask for; it cannot
 * forge, swap or erase what the worker signed.
 */
export const WORKER_ONLY_ATTRIBUTES: readonly string[] = WORKER_ONLY;
/** What only the ACME validator writes: its finding on an authorization (the signer trusts nothing else). */
export const VALIDATOR_ONLY_ATTRIBUTES: readonly string[] = VALIDATOR_ONLY;
export const API_DELETABLE_PARTITION_PREFIX = 'H#';
export const API_PUTTABLE_PARTITION_PREFIX = TOKEN_CACHE_PARTITION_PREFIX;

const workerOnly = new Set(WORKER_ONLY_ATTRIBUTES);
const apiDenied = new Set([...WORKER_ONLY_ATTRIBUTES, ...VALIDATOR_ONLY_ATTRIBUTES]);

export class WriteDeniedError extends Error {
  override readonly name = 'AccessDeniedException';
}

/** The attribute names an UpdateExpression touches: placeholders resolved, bare names as written. */
function updatedAttributes(expression: string, names: Record<string, string> = {}): string[] {
  const out: string[] = [];
  for (const token of expression.replace(/:[A-Za-z0-9_]+/g, ' ').match(/#?[A-Za-z_][A-Za-z0-9_]*/g) ?? []) {
    if (/^(SET|REMOVE|ADD|DELETE|if_not_exists|list_append)$/i.test(token)) continue;
    out.push(token.startsWith('#') ? (names[token] ?? token) : token);
  }
  return out;
}

/**
 * Locally (dynalite enforces no IAM) the API's store client refuses what its IAM role would, so
 * the integration suites fail if API code ever relies on a write the deployed role cannot make.
 */
export function checkApiWrite(command: unknown, writer: 'api' | 'validator' = 'api'): void {
  const denied = writer === 'api' ? apiDenied : workerOnly;
  if (command instanceof PutCommand) {
    const item = command.input.Item ?? {};
    // The validator's role has no PutItem at all; the API's only in the token cache's partitions.
    if (writer !== 'api' || !String(item.pk ?? '').startsWith(API_PUTTABLE_PARTITION_PREFIX)) {
      throw new WriteDeniedError(`the ${writer} role may not PutItem (whole items) outside ${API_PUTTABLE_PARTITION_PREFIX}* partitions: write with UpdateItem`);
    }
    const touched = Object.keys(item).filter((a) => denied.has(a));
    if (touched.length) throw new WriteDeniedError(`the api role may not write ${touched.join(', ')} (the worker's or the validator's)`);
  }
  if (command instanceof DeleteCommand) {
    const pk = String((command.input.Key as Record<string, unknown>)?.pk ?? '');
    if (!pk.startsWith(API_DELETABLE_PARTITION_PREFIX)) throw new WriteDeniedError(`the API role may delete only in ${API_DELETABLE_PARTITION_PREFIX}* partitions`);
  }
  if (command instanceof UpdateCommand) {
    if (command.input.ReturnValues === 'ALL_NEW' || command.input.ReturnValues === 'ALL_OLD') throw new WriteDeniedError('the API role may not have whole items returned by a write (they hold the worker\'s attributes): read them back');
    const touched = updatedAttributes(command.input.UpdateExpression ?? '', command.input.ExpressionAttributeNames).filter((a) => denied.has(a));
    if (touched.length) throw new WriteDeniedError(`the ${writer} role may not write ${touched.join(', ')} (${writer === 'api' ? 'the worker\'s or the validator\'s' : 'the worker\'s'})`);
  }
}
