import { conditionHolds, type Condition } from '../support/iamConditions.js';

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Condition;
}

// CloudFormation's property bags are untyped JSON.
export type Template = { Resources: Record<string, { Type: string; Properties: any }> };

/**
 * Reading the packaged template's IAM: each role's statements, their resources as ARN globs, and
 * IAM's answer to a DynamoDB item request (explicit Deny, else Allow, else implicit deny).
 */
export function bindPolicies(templateOf: () => Template) {
  /** A role's statements: its inline policies and any AWS::IAM::Policy attached to it. */
  const statements = (role: string): Statement[] => [
    ...(templateOf().Resources[role].Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement),
    ...Object.values(templateOf().Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(JSON.stringify({ Ref: role })))
      .flatMap((r) => r.Properties.PolicyDocument.Statement),
  ];
  const roles = () => Object.keys(templateOf().Resources).filter((name) => templateOf().Resources[name].Type === 'AWS::IAM::Role');
  const list = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

  const TABLE_ARN = 'arn:aws:dynamodb:us-east-1:123456789012:table/openstack-ca-prod';

  /** A statement's resources as ARN globs, with the pseudo parameters of one account and region. */
  function resourceGlobs(resource: unknown): string[] {
    return list(resource).map((r: any) => {
      if (typeof r === 'string') return r;
      const sub = r['Fn::Sub'];
      if (typeof sub === 'string') return sub.replaceAll('${Table.Arn}', TABLE_ARN).replaceAll('${AWS::Partition}', 'aws').replaceAll('${AWS::Region}', 'us-east-1').replaceAll('${AWS::AccountId}', '123456789012');
      const [logical, attr] = r['Fn::GetAtt'] ?? [];
      const target = templateOf().Resources[logical];
      if (attr === 'Arn' && target?.Type === 'AWS::Logs::LogGroup') return `arn:aws:logs:us-east-1:123456789012:log-group:${target.Properties.LogGroupName}:*`;
      if (attr === 'Arn' && target?.Type === 'AWS::DynamoDB::Table') return TABLE_ARN;
      return JSON.stringify(r); // matches no log stream
    });
  }
  const globMatches = (glob: string, arn: string) => new RegExp(`^${glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(arn);

  /** Whether `role` may write log events into a stream of `logGroup`. */
  function canWriteLogs(role: string, logGroup: string): boolean {
    const stream = `arn:aws:logs:us-east-1:123456789012:log-group:${logGroup}:log-stream:2026/01/01/[$LATEST]0123456789abcdef`;
    return statements(role).some(
      (s) => s.Effect === 'Allow' && list(s.Action).some((a) => ['logs:PutLogEvents', 'logs:*'].includes(a)) && resourceGlobs(s.Resource).some((g) => globMatches(g, stream)),
    );
  }
  /**
   * IAM's answer to one DynamoDB item request on the table by `role`: an explicit Deny that applies
   * wins, else an Allow that applies, else the implicit deny. `attributes`: what dynamodb:Attributes holds.
   */
  function decide(role: string, action: string, item: { pk: string }, attributes: readonly string[]): 'Allow' | 'Deny' | 'ImplicitDeny' {
    const context = { 'dynamodb:LeadingKeys': [item.pk], 'dynamodb:Attributes': attributes };
    const applying = statements(role).filter(
      (s) => list(s.Action).some((a) => globMatches(a, action)) && resourceGlobs(s.Resource).some((g) => globMatches(g, TABLE_ARN)) && conditionHolds(s.Condition, context),
    );
    if (applying.some((s) => s.Effect === 'Deny')) return 'Deny';
    return applying.some((s) => s.Effect === 'Allow') ? 'Allow' : 'ImplicitDeny';
  }
  const logGroupOf = (fnLogicalId: string) => `/aws/lambda/${templateOf().Resources[fnLogicalId].Properties.FunctionName}`;
  const actions = (role: string) => statements(role).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  const functions = () => Object.entries(templateOf().Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  return { statements, roles, list, resourceGlobs, globMatches, canWriteLogs, decide, logGroupOf, actions, functions, TABLE_ARN };
}
