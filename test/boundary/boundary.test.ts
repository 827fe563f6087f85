import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_DELETABLE_PARTITION_PREFIX, API_PUTTABLE_PARTITION_PREFIX, TTL_ATTRIBUTE, TTL_PARTITION_PREFIXES, VALIDATOR_ONLY_ATTRIBUTES, WORKER_ONLY_ATTRIBUTES, type StoreWriter } from '../../lib/store/writers.js';
import { crlChunkId, key, pk, revocationId, sk, tokenCacheKey } from '../../lib/store/keys.js';
import { SHARED_ITEM_ATTRIBUTES } from '../../lib/auth/index.js';
import { SYSTEM_PROJECT } from '../../lib/http/route.js';
import { describePackages } from './packages.js';
import { bindPolicies } from './policies.js';

/**
 * The security boundary, read off what would be deployed: `osls package` (offline, dummy
 * credentials) writes the CloudFormation template and one bundle per function with its esbuild
 * metafile. If a change lets the API reach keys, one of these fails.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const WORK = '.esbuild-package';
let template: { Resources: Record<string, { Type: string; Properties: any }> };
let out: string;


// Asynchronously: on a busy machine `osls package` takes minutes, and a worker blocked that long answers
// nothing meanwhile (vitest 3 failed the run at its 60 s worker RPC deadline, "Timeout calling onTaskUpdate").
beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'ca-package-'));
  // On the test's own node (process.execPath), not the first `node` on PATH that .bin/osls's shebang takes.
  await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules', 'osls', 'bin', 'serverless.js'), 'package', '--stage', 'prod', '--package', out], {
    cwd: ROOT,
    env: { ...process.env, SLS_TELEMETRY_DISABLED: '1', AWS_ACCESS_KEY_ID: 'package-only', AWS_SECRET_ACCESS_KEY: 'package-only', ESBUILD_WORK_FOLDER: WORK },
    maxBuffer: 64 * 1024 * 1024,
  });
  template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
});

const { statements, roles, list, resourceGlobs, globMatches, canWriteLogs, decide, logGroupOf, actions, functions, TABLE_ARN } = bindPolicies(() => template);
/** The front ends' roles and the local mirror (STORE_WRITER) each one's functions run with. */
const WRITER_OF_ROLE: Record<string, StoreWriter> = { ApiRole: 'api', NotifierRole: 'notifier', AcmeRole: 'acme', EnrollRole: 'enroll', ValidatorRole: 'validator' };

describe('IAM: the API role cannot reach keys', () => {
  it('has exactly the actions it needs', () => {
    const allowed = statements('ApiRole').filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));
    expect(new Set(allowed)).toEqual(new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query']));
  });

  it('cannot read the worker secret, receive or delete jobs, or decrypt with the worker key', () => {
    const api = actions('ApiRole');
    for (const forbidden of ['secretsmanager:GetSecretValue', 'kms:Decrypt', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']) expect(api).not.toContain(forbidden);
    expect(JSON.stringify(statements('ApiRole'))).not.toMatch(/ServiceCredentialsSecret|WorkerKey/);
    const keyPolicy = template.Resources.WorkerKey.Properties.KeyPolicy.Statement as Array<{ Action: string[]; Principal: unknown }>;
    const decryptors = keyPolicy.filter((s) => s.Action.some((a) => a === 'kms:Decrypt' || a === 'kms:*'));
    expect(decryptors.map((s) => JSON.stringify(s.Principal))).toEqual([JSON.stringify({ AWS: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] } })]);
  });

  it('the worker can read its secret and take jobs', () => {
    const worker = actions('WorkerRole');
    for (const needed of ['secretsmanager:GetSecretValue', 'kms:Decrypt', 'sqs:ReceiveMessage', 'sqs:DeleteMessage']) expect(worker).toContain(needed);
    // A job's outcome events are one BatchWriteItem (lib/store/batch.ts), on the table only.
    const batch = statements('WorkerRole').filter((s) => s.Effect === 'Allow' && list(s.Action).includes('dynamodb:BatchWriteItem'));
    expect(batch.map((s) => JSON.stringify(s.Resource))).toEqual([JSON.stringify([{ 'Fn::GetAtt': ['Table', 'Arn'] }, { 'Fn::Sub': '${Table.Arn}/index/gsi1' }])]);
  });

  it('the notifier cannot reach CA keys: no worker secret or key, no jobs, no KMS but its own key; the others cannot open webhook secrets', () => {
    const notifier = JSON.stringify(statements('NotifierRole'));
    expect(notifier).not.toMatch(/ServiceCredentialsSecret|WorkerKey|JobsQueue/);
    for (const s of statements('NotifierRole').filter((s) => list(s.Action).some((a) => a.startsWith('kms:')))) {
      expect(s).toEqual({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: { 'Fn::GetAtt': ['NotifierKey', 'Arn'] } });
    }
    for (const role of ['ApiRole', 'WorkerRole']) expect(JSON.stringify(statements(role)), role).not.toMatch(/NotifierKeySecret|NotifierKey/);
  });

  it('the notifier key secret is encrypted with its own rotating KMS key, which only the notifier may decrypt with', () => {
    expect(template.Resources.NotifierKeySecret.Properties.KmsKeyId).toEqual({ Ref: 'NotifierKey' });
    const key = template.Resources.NotifierKey;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const keyPolicy = key.Properties.KeyPolicy.Statement as Array<{ Effect: string; Action: string | string[]; Principal: unknown }>;
    const decryptors = keyPolicy.filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => a === 'kms:Decrypt' || a === 'kms:*' || a === 'kms:Decrypt*'));
    expect(decryptors.map((s) => JSON.stringify(s.Principal))).toEqual([JSON.stringify({ AWS: { 'Fn::GetAtt': ['NotifierRole', 'Arn'] } })]);
    // The account may administer the key (else it could never be changed) but not use it to decrypt.
    for (const s of keyPolicy) if (JSON.stringify(s.Principal).includes(':root')) expect(list(s.Action).filter((a) => /^kms:(\*|Decrypt|ReEncrypt)/.test(a))).toEqual([]);
    expect(statements('NotifierRole')).toContainEqual({ Effect: 'Allow', Action: ['kms:Decrypt'], Resource: { 'Fn::GetAtt': ['NotifierKey', 'Arn'] } });
    for (const role of roles().filter((r) => r !== 'NotifierRole')) expect(JSON.stringify(statements(role)), role).not.toMatch(/NotifierKey/);
  });

  it('the notifier’s key, secret, role and function can be created in some order (no circular dependency)', () => {
    const refs = (x: unknown, out = new Set<string>()): Set<string> => {
      if (Array.isArray(x)) for (const v of x) refs(v, out);
      else if (x && typeof x === 'object') {
        for (const [k, v] of Object.entries(x)) {
          if (k === 'Ref' && typeof v === 'string') out.add(v);
          else if (k === 'Fn::GetAtt') out.add(Array.isArray(v) ? v[0] : String(v).split('.')[0]);
          else if (k === 'Fn::Sub') for (const m of JSON.stringify(v).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]);
          else refs(v, out);
        }
      }
      return out;
    };
    const deps = (name: string) => new Set([...refs(template.Resources[name].Properties), ...list((template.Resources[name] as any).DependsOn ?? [])].filter((d) => d in template.Resources));
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean => [...deps(from)].some((d) => d === to || (!seen.has(d) && (seen.add(d), reaches(d, to, seen))));
    const notifierResources = Object.keys(template.Resources).filter((n) => n.startsWith('Notifier'));
    expect(notifierResources).toEqual(expect.arrayContaining(['NotifierKey', 'NotifierRole', 'NotifierKeySecret', 'NotifierLambdaFunction']));
    // Every resource of the template, the worker's key, secret and role among them.
    for (const name of Object.keys(template.Resources)) expect(reaches(name, name), name).toBe(false);
  });

  it('no role but the worker may write the worker’s logs, none but the notifier the notifier’s', () => {
    const worker = logGroupOf('WorkerLambdaFunction');
    const notifier = logGroupOf('NotifierLambdaFunction');
    expect(worker).toBe('/aws/lambda/openstack-ca-prod-worker');
    expect(notifier).toBe('/aws/lambda/openstack-ca-prod-notifier');
    expect(roles().length).toBeGreaterThanOrEqual(3);
    for (const role of roles()) {
      expect(canWriteLogs(role, worker), `${role} writes ${worker}`).toBe(role === 'WorkerRole');
      expect(canWriteLogs(role, notifier), `${role} writes ${notifier}`).toBe(role === 'NotifierRole');
      expect(canWriteLogs(role, logGroupOf('AcmeLambdaFunction')), `${role} writes the ACME logs`).toBe(role === 'AcmeRole');
      expect(canWriteLogs(role, logGroupOf('ValidatorLambdaFunction')), `${role} writes the validator logs`).toBe(role === 'ValidatorRole');
      expect(canWriteLogs(role, logGroupOf('EnrollLambdaFunction')), `${role} writes the enrollment logs`).toBe(role === 'EnrollRole');
    }
    expect(JSON.stringify(statements('ApiRole'))).not.toMatch(/-(worker|notifier)\b/);
  });

  it('the API role writes the logs of every function that runs as it (the scheduler too), and of no other', () => {
    const all = functions();
    expect(all.map(([name]) => name)).toContain('RenewDueLambdaFunction');
    for (const [name, r] of all) {
      const asApi = JSON.stringify(r.Properties.Role) === JSON.stringify({ 'Fn::GetAtt': ['ApiRole', 'Arn'] });
      expect(canWriteLogs('ApiRole', logGroupOf(name)), name).toBe(asApi);
    }
    expect(canWriteLogs('ApiRole', '/aws/lambda/openstack-ca-prod-someNewFunction')).toBe(false);
    expect(canWriteLogs('ApiRole', '/aws/lambda/another-service-prod-getCa')).toBe(false);
  });

  it('no role has a wildcard action or resource', () => {
    for (const [name, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::IAM::Role') continue;
      for (const s of statements(name)) {
        for (const a of Array.isArray(s.Action) ? s.Action : [s.Action]) expect(a, `${name} action`).not.toMatch(/\*/);
        expect(JSON.stringify(s.Resource), `${name} resource`).not.toBe('"*"');
      }
    }
  });

  it('every API function (and the scheduler) runs as ApiRole; the worker, the notifier, the ACME front end, the validator and the enrollment front end each as its own role', () => {
    const roles = Object.fromEntries(functions().map(([name, r]) => [name, r.Properties.Role]));
    for (const [name, role] of Object.entries(roles)) {
      const own: Record<string, string> = {
        WorkerLambdaFunction: 'WorkerRole',
        NotifierLambdaFunction: 'NotifierRole',
        AcmeLambdaFunction: 'AcmeRole',
        ValidatorLambdaFunction: 'ValidatorRole',
        EnrollLambdaFunction: 'EnrollRole',
      };
      const expected = own[name] ?? 'ApiRole';
      expect(JSON.stringify(role), name).toBe(JSON.stringify({ 'Fn::GetAtt': [expected, 'Arn'] }));
    }
    expect(Object.keys(roles)).toContain('WorkerLambdaFunction');
    expect(Object.keys(roles)).toContain('NotifierLambdaFunction');
    expect(Object.keys(roles)).toContain('AcmeLambdaFunction');
    expect(Object.keys(roles)).toContain('ValidatorLambdaFunction');
    expect(Object.keys(roles)).toContain('EnrollLambdaFunction');
    expect(Object.keys(roles).length).toBeGreaterThan(5);
  });

  it('the worker has no HTTP route, and only the queue may invoke it', () => {
    const text = JSON.stringify(template.Resources);
    const integrations = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Integration');
    expect(integrations.length).toBeGreaterThan(5);
    for (const i of integrations) expect(JSON.stringify(i.Properties.IntegrationUri)).not.toContain('WorkerLambdaFunction');
    const permissions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties.FunctionName).includes('WorkerLambdaFunction'));
    expect(permissions).toEqual([]);
    expect(text).toContain('WorkerEventSourceMappingSQSJobsQueue');
  });
});

describe('IAM: the API role cannot write what the worker trusts', () => {
  const dynamo = (role: string) => statements(role).filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:')));

  const unconditioned = (role: string) => dynamo(role).filter((s) => s.Effect === 'Allow' && !(s as any).Condition);

  it('has no PutItem or batch write (UpdateItem cannot drop what it does not name), but in the shared token validations\' own partitions', () => {
    const allowed = dynamo('ApiRole').filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action));
    expect(new Set(allowed)).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:DeleteItem', 'dynamodb:PutItem']));
    expect(unconditioned('ApiRole').flatMap((s) => list(s.Action))).not.toContain('dynamodb:PutItem');
    const puts = dynamo('ApiRole').filter((s) => s.Effect === 'Allow' && list(s.Action).includes('dynamodb:PutItem'));
    expect(puts).toHaveLength(1);
    expect(list(puts[0].Action)).toEqual(['dynamodb:PutItem']);
    expect(puts[0].Resource).toEqual({ 'Fn::GetAtt': ['Table', 'Arn'] });
    expect((puts[0] as any).Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${API_PUTTABLE_PARTITION_PREFIX}*`] } });
  });

  it('the shared token validations: keyed where the API may put, read with its GetItem, holding no attribute the API is denied', () => {
    const { pk: tokenPk } = tokenCacheKey('0'.repeat(64));
    expect(tokenPk.startsWith(API_PUTTABLE_PARTITION_PREFIX)).toBe(true);
    // No project's, webhook's or system item is in that partition space (every other key starts P# or H#).
    expect(API_PUTTABLE_PARTITION_PREFIX).toBe('TOK#');
    for (const k of [key('p', 'CA', 'x').pk, key('p', 'HOOK', 'webhook').pk, pk(SYSTEM_PROJECT)]) expect(k.startsWith(API_PUTTABLE_PARTITION_PREFIX)).toBe(false);
    expect(unconditioned('ApiRole').some((s) => list(s.Action).includes('dynamodb:GetItem') && JSON.stringify(s.Resource).includes('"Table"'))).toBe(true);
    for (const a of ['pk', 'sk', ...SHARED_ITEM_ATTRIBUTES]) {
      expect(WORKER_ONLY_ATTRIBUTES, a).not.toContain(a);
      expect(VALIDATOR_ONLY_ATTRIBUTES, a).not.toContain(a);
    }
  });

  it('no other role may write the shared token validations (a forged one would make the API take any token as anyone)', () => {
    const tokenDeny = (role: string) =>
      dynamo(role).find((s) => s.Effect === 'Deny' && JSON.stringify((s as any).Condition) === JSON.stringify({ 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${API_PUTTABLE_PARTITION_PREFIX}*`] } }));
    for (const role of roles().filter((r) => r !== 'ApiRole')) {
      const writes = dynamo(role).filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => /^dynamodb:(UpdateItem|PutItem|DeleteItem|BatchWriteItem|PartiQL)/.test(a)));
      if (!writes.length) continue;
      // Either every write is conditioned on partitions of its own (the enrollment front end's P#system), or TOK# is denied.
      const confined = writes.every((s) => JSON.stringify((s as any).Condition ?? {}).includes('LeadingKeys') && !JSON.stringify((s as any).Condition).includes('TOK#'));
      if (confined) continue;
      const deny = tokenDeny(role);
      expect(deny, role).toBeDefined();
      expect(list(deny!.Action), role).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']));
      expect(deny!.Resource, role).toEqual({ 'Fn::GetAtt': ['Table', 'Arn'] });
    }
    for (const role of ['WorkerRole', 'NotifierRole', 'AcmeRole', 'ValidatorRole']) expect(tokenDeny(role), role).toBeDefined();
  });

  it('is denied every write naming an attribute the worker trusts: the list the store enforces locally', () => {
    const deny = dynamo('ApiRole').filter((s) => s.Effect === 'Deny');
    // The worker's attributes, the ACME validator's finding, and `ttl` outside TOK# (see the ttl tests).
    expect(deny).toHaveLength(3);
    expect((deny[1] as any).Condition).toEqual({ 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': [...VALIDATOR_ONLY_ATTRIBUTES] } });
    expect(list(deny[0].Action)).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem']));
    expect((deny[0] as any).Condition).toEqual({ 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': [...WORKER_ONLY_ATTRIBUTES] } });
    // A revocation item's and a chunked CRL's attributes among them (REV#, CRLC#, the head's derChunks).
    for (const trusted of ['keyRef', 'certificatePem', 'chainPem', 'subjectKeyId', 'derBase64', 'crlRevokedAt', 'crlRevocationReason', 'crlCertificateId', 'serial', 'derChunks', 'claimToken']) expect(WORKER_ONLY_ATTRIBUTES).toContain(trusted);
    // The notifier, which also writes events, is under the same denial.
    expect(dynamo('NotifierRole').find((s) => s.Effect === 'Deny')).toMatchObject({ Condition: (deny[0] as any).Condition });
    expect(dynamo('NotifierRole').filter((s) => s.Effect === 'Allow').flatMap((s) => list(s.Action))).not.toContain('dynamodb:PutItem');
  });

  it('deletes only in the webhooks\' own partitions', () => {
    const deletes = dynamo('ApiRole').filter((s) => s.Effect === 'Allow' && list(s.Action).includes('dynamodb:DeleteItem'));
    expect(deletes).toHaveLength(1);
    expect(list(deletes[0].Action)).toEqual(['dynamodb:DeleteItem']);
    expect((deletes[0] as any).Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${API_DELETABLE_PARTITION_PREFIX}*`] } });
  });

  it('every function that runs as ApiRole, NotifierRole, AcmeRole, EnrollRole or ValidatorRole has the local mirror of its role switched on', () => {
    for (const [name, fn] of functions()) {
      const role = fn.Properties.Role['Fn::GetAtt'][0] as string;
      if (role in WRITER_OF_ROLE) expect(fn.Properties.Environment.Variables.STORE_WRITER, name).toBe(WRITER_OF_ROLE[role]);
    }
  });
});

describe('IAM: no role but the worker can have DynamoDB delete what it did not write (`ttl`)', () => {
  const project = 'p1';
  // What a past `ttl` would erase: a CA, a certificate, a revocation the next CRL is built from, a CRL head.
  const trusted = (projectId: string) => [
    key(projectId, 'CA', 'ca1'),
    key(projectId, 'CERT', 'c1'),
    { pk: pk(projectId), sk: sk('REV', revocationId('ca1', '01ab')) },
    key(projectId, 'CRL', 'ca1'),
  ];
  const withTtl = ['pk', 'sk', 'projectId', 'id', TTL_ATTRIBUTE];
  // Each front end's own `ttl` items: the shared token validations, redeemed nonces, used JWS ids.
  const own = { api: tokenCacheKey('0'.repeat(64)), acme: key(project, 'NONCE', 'n1'), enroll: key(SYSTEM_PROJECT, 'JTI', 'ca1:j1') };

  it('the front ends are denied UpdateItem and PutItem naming `ttl` on a project\'s items, though they may update those items', () => {
    for (const role of Object.keys(WRITER_OF_ROLE)) {
      for (const item of [...trusted(project), ...trusted(SYSTEM_PROJECT)]) {
        for (const action of ['dynamodb:UpdateItem', 'dynamodb:PutItem']) expect(decide(role, action, item, withTtl), `${role} ${action} ${item.pk} ${item.sk}`).toBe('Deny');
      }
      // Not a vacuous denial: the same update without `ttl` is allowed (the enrollment role's in P#system only).
      for (const item of trusted(SYSTEM_PROJECT)) expect(decide(role, 'dynamodb:UpdateItem', item, ['pk', 'sk', 'status']), `${role} ${item.sk}`).toBe('Allow');
    }
  });

  it('each may name `ttl` in its own items\' partitions only, the same ones its local mirror allows', () => {
    expect(decide('ApiRole', 'dynamodb:PutItem', own.api, ['pk', 'sk', ...SHARED_ITEM_ATTRIBUTES])).toBe('Allow');
    expect(decide('AcmeRole', 'dynamodb:UpdateItem', own.acme, withTtl)).toBe('Allow');
    expect(decide('EnrollRole', 'dynamodb:UpdateItem', own.enroll, withTtl)).toBe('Allow');
    for (const [role, writer] of Object.entries(WRITER_OF_ROLE)) {
      for (const item of Object.values(own)) {
        const mirrored = TTL_PARTITION_PREFIXES[writer].some((prefix) => item.pk.startsWith(prefix));
        expect(decide(role, 'dynamodb:UpdateItem', item, withTtl) === 'Allow', `${role} ${item.pk}`).toBe(mirrored);
      }
    }
    // The moved keys are outside every project partition, and no P# key falls under them.
    for (const item of Object.values(own)) expect(item.pk.startsWith('P#')).toBe(false);
  });

  it('the worker still expires the CRL chunks it wrote', () => {
    const chunk = { pk: pk(project), sk: sk('CRLC', crlChunkId('ca1', '2.ab', 0)) };
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem']) expect(decide('WorkerRole', action, chunk, withTtl), action).toBe('Allow');
  });
});

describe('IAM: the ACME front end and the validator (Boulder\'s WFE and VA) cannot reach keys or sign', () => {
  const allowed = (role: string) => statements(role).filter((s) => s.Effect === 'Allow');
  // The attribute denials (the TOK# denial is checked above).
  const denials = (role: string) =>
    statements(role)
      .filter((s) => s.Effect === 'Deny' && (s as any).Condition['ForAnyValue:StringEquals'])
      .map((s) => (s as any).Condition['ForAnyValue:StringEquals']['dynamodb:Attributes']);

  it('the ACME role: the table, the jobs and validation queues (send only), its own key secret; nothing else', () => {
    expect(new Set(allowed('AcmeRole').flatMap((s) => list(s.Action)))).toEqual(
      new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query', 'secretsmanager:GetSecretValue']),
    );
    expect(allowed('AcmeRole').find((s) => list(s.Action).includes('secretsmanager:GetSecretValue'))!.Resource).toEqual({ Ref: 'AcmeKeySecret' });
    expect(JSON.stringify(statements('AcmeRole'))).not.toMatch(/ServiceCredentialsSecret|WorkerKey|NotifierKey|kms:/);
    expect(denials('AcmeRole')).toEqual([[...WORKER_ONLY_ATTRIBUTES], [...VALIDATOR_ONLY_ATTRIBUTES], [TTL_ATTRIBUTE]]);
    // Only the ACME role reads the ACME key.
    for (const role of roles().filter((r) => r !== 'AcmeRole')) expect(JSON.stringify(statements(role)), role).not.toMatch(/AcmeKeySecret/);
  });

  it('the validator role: reads and writes the table (not the worker\'s attributes), takes and re-queues only validations', () => {
    expect(new Set(allowed('ValidatorRole').flatMap((s) => list(s.Action)))).toEqual(
      new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage', 'dynamodb:GetItem', 'dynamodb:UpdateItem']),
    );
    for (const s of allowed('ValidatorRole').filter((s) => list(s.Action).some((a) => a.startsWith('sqs:')))) expect(s.Resource).toEqual({ 'Fn::GetAtt': ['ValidationQueue', 'Arn'] });
    expect(JSON.stringify(statements('ValidatorRole'))).not.toMatch(/JobsQueue|Secret|kms:/);
    expect(denials('ValidatorRole')).toEqual([[...WORKER_ONLY_ATTRIBUTES], [TTL_ATTRIBUTE]]);
    expect(VALIDATOR_ONLY_ATTRIBUTES).toEqual(['validation']);
  });

  it('neither has a Keystone or Barbican credential in its environment; the validator has no HTTP route', () => {
    for (const name of ['AcmeLambdaFunction', 'ValidatorLambdaFunction']) {
      const vars = Object.keys(template.Resources[name].Properties.Environment.Variables);
      expect(vars.filter((v) => /OS_SERVICE|SERVICE_CREDENTIALS|BARBICAN|KEYSTONE/.test(v)), name).toEqual([]);
    }
    const integrations = Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Integration');
    for (const i of integrations) expect(JSON.stringify(i.Properties.IntegrationUri)).not.toContain('ValidatorLambdaFunction');
    expect(JSON.stringify(template.Resources)).toContain('ValidatorEventSourceMappingSQSValidationQueue');
  });
});

describe('IAM: the token-less enrollment front end reaches only the system partition', () => {
  const enroll = () => statements('EnrollRole');
  const allowed = () => enroll().filter((s) => s.Effect === 'Allow');
  const systemPartition = pk(SYSTEM_PROJECT);

  it('the enroll function runs as EnrollRole, and nothing else names that role', () => {
    expect(template.Resources.EnrollLambdaFunction.Properties.Role).toEqual({ 'Fn::GetAtt': ['EnrollRole', 'Arn'] });
    expect(template.Resources.EnrollLambdaFunction.Properties.FunctionName).toBe('openstack-ca-prod-enroll');
    // No key policy, no attached policy, no other function.
    const naming = Object.entries(template.Resources).filter(([name, r]) => name !== 'EnrollRole' && JSON.stringify(r).includes('EnrollRole'));
    expect(naming.map(([name]) => name)).toEqual(['EnrollLambdaFunction']);
  });

  it('has exactly its own logs, sending to the jobs queue, and reading and updating items', () => {
    expect(new Set(allowed().flatMap((s) => list(s.Action)))).toEqual(new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage', 'dynamodb:GetItem', 'dynamodb:UpdateItem']));
    const logs = allowed().filter((s) => list(s.Action).some((a) => a.startsWith('logs:')));
    expect(logs.flatMap((s) => list(s.Resource))).toHaveLength(1);
    expect(canWriteLogs('EnrollRole', logGroupOf('EnrollLambdaFunction'))).toBe(true);
    for (const [name] of functions().filter(([name]) => name !== 'EnrollLambdaFunction')) expect(canWriteLogs('EnrollRole', logGroupOf(name)), name).toBe(false);
  });

  it('every DynamoDB allow is on the table itself (no index) and conditioned on the partition keys P#system and J#system only', () => {
    expect(systemPartition).toBe('P#system');
    // What the enroll code path writes and reads is keyed there; the CA index key of a user
    // certificate (gsi1pk) is an attribute of that item, and no index is queried. Used JWS ids
    // (given a `ttl`) in their own partition, where no login CA or certificate lives.
    for (const kind of ['ENROLL', 'CERT', 'JOB', 'CA', 'OCSP', 'EVT'] as const) expect(key(SYSTEM_PROJECT, kind, 'x').pk).toBe(systemPartition);
    expect(key(SYSTEM_PROJECT, 'JTI', 'x').pk).toBe('J#system');
    expect(key(SYSTEM_PROJECT, 'HOOK', 'webhook').pk).not.toBe(systemPartition);
    const dynamo = allowed().filter((s) => list(s.Action).some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.length).toBeGreaterThan(0);
    for (const s of dynamo) {
      expect(s.Resource).toEqual({ 'Fn::GetAtt': ['Table', 'Arn'] });
      expect((s as any).Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [systemPartition, key(SYSTEM_PROJECT, 'JTI', 'x').pk] } });
      expect(list(s.Action).every((a) => ['dynamodb:GetItem', 'dynamodb:UpdateItem'].includes(a)), JSON.stringify(s.Action)).toBe(true);
    }
    expect(JSON.stringify(enroll())).not.toMatch(/\/index\/|gsi[0-9]/);
  });

  it('is denied the worker\'s and the validator\'s attributes, as the API is, and `ttl` outside its JWS ids', () => {
    const deny = enroll().filter((s) => s.Effect === 'Deny');
    expect(deny.slice(0, 2)).toEqual(statements('ApiRole').filter((s) => s.Effect === 'Deny').slice(0, 2));
    expect(deny.map((s) => (s as any).Condition)).toEqual([
      { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': [...WORKER_ONLY_ATTRIBUTES] } },
      { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': [...VALIDATOR_ONLY_ATTRIBUTES] } },
      { 'ForAnyValue:StringEquals': { 'dynamodb:Attributes': [TTL_ATTRIBUTE] }, 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['J#*'] } },
    ]);
    for (const s of deny) expect(list(s.Action)).toEqual(expect.arrayContaining(['dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLUpdate', 'dynamodb:PartiQLInsert']));
  });

  it('sends only to the jobs queue, and has no notify queue to send to (it records no notifiable action)', () => {
    const sqs = allowed().filter((s) => list(s.Action).some((a) => a.startsWith('sqs:')));
    expect(sqs).toEqual([{ Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: { 'Fn::GetAtt': ['JobsQueue', 'Arn'] } }]);
    const vars = template.Resources.EnrollLambdaFunction.Properties.Environment.Variables;
    expect(vars.JOBS_QUEUE_URL).toEqual({ Ref: 'JobsQueue' });
    // Without a queue URL lib/notify never sends (and a denied send would only be logged).
    expect(vars.NOTIFY_QUEUE_URL).toBeUndefined();
    expect(JSON.stringify(enroll())).not.toMatch(/NotifyQueue|ValidationQueue|DeadLetter/);
  });

  it('names no Barbican, Secrets Manager, KMS or notifier resource, and holds no credential', () => {
    const text = JSON.stringify(enroll());
    expect(text).not.toMatch(/secretsmanager:|kms:|Secret|WorkerKey|NotifierKey|AcmeKey|barbican/i);
    const vars = Object.keys(template.Resources.EnrollLambdaFunction.Properties.Environment.Variables);
    expect(vars.filter((v) => /OS_SERVICE|SERVICE_CREDENTIALS|BARBICAN|KEYSTONE|SECRET|PRIVATE|NOTIFY|ACME/.test(v))).toEqual([]);
  });
});

describePackages(() => ({ root: ROOT, work: WORK, out, template }));
