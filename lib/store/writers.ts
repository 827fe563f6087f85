import { BatchWriteCommand, DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import WORKER_ONLY from './workerOnlyAttributes.json' with { type: 'json' };
import VALIDATOR_ONLY from './validatorOnlyAttributes.json' with { type: 'json' };
import { JTI_PARTITION_PREFIX, NONCE_PARTITION_PREFIX, TOKEN_CACHE_PARTITION_PREFIX } from './keys.js';

/**
 * What the API role may write, mirrored from its IAM policy (serverless.yml reads the same JSON,
 * and the boundary tests compare them): never an attribute the worker trusts (CA keys and
 * certificates, issued certificates, CRLs, OCSP answers, claims), never a whole item (no PutItem:
 * only UpdateItem, which cannot drop what it does not name) but the shared token validations
 * (their own partitions, `TOK#`, where the worker writes nothing), deletes only of webhooks
 * (their own partition, `H#`), and `ttl` only on its own items (TTL_PARTITION_PREFIXES: DynamoDB
 * deletes an item once its `ttl` passes). A compromised API can ask for what some user could ask for; it cannot
 * forge, swap or erase what the worker signed.
 */
export const WORKER_ONLY_ATTRIBUTES: readonly string[] = WORKER_ONLY;
/** What only the ACME validator writes: its finding on an authorization (the signer trusts nothing else). */
export const VALIDATOR_ONLY_ATTRIBUTES: readonly string[] = VALIDATOR_ONLY;
export const API_DELETABLE_PARTITION_PREFIX = 'H#';
export const API_PUTTABLE_PARTITION_PREFIX = TOKEN_CACHE_PARTITION_PREFIX;

/**
 * The local mirrors (STORE_WRITER): the API role's (its functions and the scheduler), the notifier's,
 * the ACME and the enrollment front ends' (the API's rules, but PutItem and each one's own `ttl`
 * partition), the validator's (its own finding allowed).
 */
export const STORE_WRITERS = ['api', 'notifier', 'acme', 'enroll', 'validator'] as const;
export type StoreWriter = (typeof STORE_WRITERS)[number];
export const isStoreWriter = (w: string | undefined): w is StoreWriter => (STORE_WRITERS as readonly (string | undefined)[]).includes(w);

/** DynamoDB deletes an item some time after its `ttl` (the table's TimeToLiveSpecification). */
export const TTL_ATTRIBUTE = 'ttl';
/**
 * Where each writer may name `ttl`: only partitions of its own items, never a project's (`P#`),
 * where a past `ttl` would erase a CA, a certificate, a revocation or a CRL (as IAM denies it).
 */
export const TTL_PARTITION_PREFIXES: Readonly<Record<StoreWriter, readonly string[]>> = {
  api: [TOKEN_CACHE_PARTITION_PREFIX],
  notifier: [],
  acme: [NONCE_PARTITION_PREFIX],
  enroll: [JTI_PARTITION_PREFIX],
  validator: [],
};

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
export function checkApiWrite(command: unknown, writer: StoreWriter = 'api'): void {
  const denied = writer === 'validator' ? workerOnly : apiDenied;
  // None of these roles has BatchWriteItem (whole items, many keys): the worker's alone.
  if (command instanceof BatchWriteCommand) throw new WriteDeniedError(`the ${writer} role may not BatchWriteItem: write with UpdateItem`);
  if (command instanceof PutCommand) {
    const item = command.input.Item ?? {};
    // The validator's role has no PutItem at all; the API's only in the token cache's partitions.
    if (writer !== 'api' || !String(item.pk ?? '').startsWith(API_PUTTABLE_PARTITION_PREFIX)) {
      throw new WriteDeniedError(`the ${writer} role may not PutItem (whole items) outside ${API_PUTTABLE_PARTITION_PREFIX}* partitions: write with UpdateItem`);
    }
    checkTtl(writer, item.pk, Object.keys(item));
    const touched = Object.keys(item).filter((a) => denied.has(a));
    if (touched.length) throw new WriteDeniedError(`the api role may not write ${touched.join(', ')} (the worker's or the validator's)`);
  }
  if (command instanceof DeleteCommand) {
    const pk = String((command.input.Key as Record<string, unknown>)?.pk ?? '');
    if (!pk.startsWith(API_DELETABLE_PARTITION_PREFIX)) throw new WriteDeniedError(`the API role may delete only in ${API_DELETABLE_PARTITION_PREFIX}* partitions`);
  }
  if (command instanceof UpdateCommand) {
    if (command.input.ReturnValues === 'ALL_NEW' || command.input.ReturnValues === 'ALL_OLD') throw new WriteDeniedError('the API role may not have whole items returned by a write (they hold the worker\'s attributes): read them back');
    const attributes = updatedAttributes(command.input.UpdateExpression ?? '', command.input.ExpressionAttributeNames);
    checkTtl(writer, (command.input.Key as Record<string, unknown> | undefined)?.pk, attributes);
    const touched = attributes.filter((a) => denied.has(a));
    if (touched.length) throw new WriteDeniedError(`the ${writer} role may not write ${touched.join(', ')} (${writer === 'validator' ? 'the worker\'s' : 'the worker\'s or the validator\'s'})`);
  }
}

/** `ttl` set or removed only in the writer's own partitions (its IAM role's Deny on dynamodb:Attributes + LeadingKeys). */
function checkTtl(writer: StoreWriter, partition: unknown, attributes: readonly string[]): void {
  if (!attributes.includes(TTL_ATTRIBUTE)) return;
  const own = TTL_PARTITION_PREFIXES[writer];
  if (own.some((prefix) => String(partition ?? '').startsWith(prefix))) return;
  const where = own.length ? `outside ${own.map((p) => `${p}*`).join(', ')} partitions` : 'anywhere';
  throw new WriteDeniedError(`the ${writer} role may not write ${TTL_ATTRIBUTE} ${where} (DynamoDB would delete the item)`);
}
