/**
 * A small IAM policy evaluator for the infra tests: it resolves synthesized CloudFormation values
 * to concrete ARNs (fixed account and region) and decides a request the way IAM does for one
 * identity policy set — an explicit Deny wins, then any Allow, else the implicit deny. It knows
 * Action/NotAction and Resource/NotResource wildcards (`*`, `?`) and the condition operators the
 * stacks use; anything else throws, so a policy it cannot judge fails the test instead of passing.
 */
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const PARTITION = 'aws';

type Cfn = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export interface Stacks {
  /** Every stack of the app: cross-stack imports are resolved through their exports. */
  readonly templates: readonly Template[];
}

/** A CloudFormation value resolved to a string (or string array), with fixed pseudo parameters. */
export function resolve(value: unknown, template: Template, stacks: Stacks): unknown {
  const json = template.toJSON() as { Resources: Cfn };
  const r = (v: unknown): unknown => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null) return v;
    if (Array.isArray(v)) return v.map(r);
    const o = v as Record<string, unknown>;
    const [fn, arg] = Object.entries(o)[0] ?? [];
    if (Object.keys(o).length !== 1 || !fn?.startsWith('Fn::') && fn !== 'Ref') return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, r(x)]));
    switch (fn) {
      case 'Ref': return ref(arg as string, json.Resources);
      case 'Fn::Join': { const [sep, parts] = arg as [string, unknown[]]; return (parts.map(r) as string[]).join(sep); }
      case 'Fn::Select': { const [i, list] = arg as [number, unknown]; return (r(list) as string[])[Number(r(i))]; }
      case 'Fn::Split': { const [sep, s] = arg as [string, unknown]; return (r(s) as string).split(sep); }
      case 'Fn::GetAtt': { const [id, att] = arg as [string, string]; return getAtt(id, att, json.Resources); }
      case 'Fn::ImportValue': return importValue(r(arg) as string, stacks);
      default: throw new Error(`policy-eval: cannot resolve ${fn}`);
    }
  };
  return r(value);
}

function ref(id: string, resources: Cfn): string {
  const pseudo: Record<string, string> = { 'AWS::Partition': PARTITION, 'AWS::AccountId': ACCOUNT, 'AWS::Region': REGION, 'AWS::URLSuffix': 'amazonaws.com' };
  if (pseudo[id]) return pseudo[id]!;
  const res = resources[id];
  if (!res) throw new Error(`policy-eval: no resource ${id}`);
  switch (res.Type) {
    case 'AWS::SecretsManager::Secret': return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${id}-Ab12Cd`;
    case 'AWS::IAM::ManagedPolicy': return `arn:aws:iam::${ACCOUNT}:policy/${id}`;
    case 'AWS::SNS::Topic': return `arn:aws:sns:${REGION}:${ACCOUNT}:${id}`;
    default: return id;
  }
}

function getAtt(id: string, att: string, resources: Cfn): string {
  const res = resources[id];
  if (!res) throw new Error(`policy-eval: no resource ${id}`);
  if (att !== 'Arn') return `${id}.${att}`;
  switch (res.Type) {
    case 'AWS::KMS::Key': return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    case 'AWS::DynamoDB::Table': return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`;
    case 'AWS::SQS::Queue': return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
    case 'AWS::IAM::Role': return `arn:aws:iam::${ACCOUNT}:role/${id}`;
    case 'AWS::Lambda::Function': return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    case 'AWS::S3::Bucket': return `arn:aws:s3:::${id}`;
    default: return `arn:aws:${res.Type}:${id}`;
  }
}

function importValue(name: string, stacks: Stacks): unknown {
  for (const t of stacks.templates) {
    const outputs = (t.toJSON() as { Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }> }).Outputs ?? {};
    for (const o of Object.values(outputs)) if (o.Export && resolve(o.Export.Name, t, stacks) === name) return resolve(o.Value, t, stacks);
  }
  throw new Error(`policy-eval: no export ${name}`);
}

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface Request {
  action: string;
  resource: string;
  /** Request context keys (`s3:prefix`, `kms:ViaService`, …); a missing key is absent. */
  context?: Record<string, string>;
}

export type Decision = 'allow' | 'deny' | 'implicit-deny';

const wildcard = (pattern: string, caseInsensitive: boolean) =>
  new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&'))).join('')}$`, caseInsensitive ? 'is' : 's');
const list = (x: string | string[] | undefined) => (x === undefined ? [] : [x].flat());

function conditionHolds(cond: Statement['Condition'], context: Record<string, string>): boolean {
  const ctx = new Map(Object.entries(context).map(([k, v]) => [k.toLowerCase(), v]));
  for (const [op, block] of Object.entries(cond ?? {})) {
    for (const [key, expected] of Object.entries(block)) {
      const values = [expected].flat().map(String);
      const actual = ctx.get(key.toLowerCase());
      let ok: boolean;
      switch (op) {
        case 'StringEquals': ok = actual !== undefined && values.includes(actual); break;
        case 'StringLike': ok = actual !== undefined && values.some((p) => wildcard(p, false).test(actual)); break;
        case 'ArnLike': ok = actual !== undefined && values.some((p) => wildcard(p, false).test(actual)); break;
        case 'Bool': ok = actual !== undefined && values.includes(actual); break;
        // Every value of the (here single-valued) key must match; as in IAM, an absent key matches.
        case 'ForAllValues:StringLike': ok = actual === undefined || values.some((p) => wildcard(p, false).test(actual)); break;
        default: throw new Error(`policy-eval: condition operator ${op} is not implemented`);
      }
      if (!ok) return false;
    }
  }
  return true;
}

function matches(st: Statement, req: Request): boolean {
  const action = (patterns: string[]) => patterns.some((p) => wildcard(p, true).test(req.action));
  const resource = (patterns: string[]) => patterns.some((p) => wildcard(p, false).test(req.resource));
  if (st.Action !== undefined ? !action(list(st.Action)) : action(list(st.NotAction))) return false;
  if (st.Resource !== undefined ? !resource(list(st.Resource)) : resource(list(st.NotResource))) return false;
  return conditionHolds(st.Condition, req.context ?? {});
}

export function evaluate(statements: readonly Statement[], req: Request): Decision {
  const hits = statements.filter((st) => matches(st, req));
  if (hits.some((st) => st.Effect === 'Deny')) return 'deny';
  return hits.some((st) => st.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}

export const allowed = (statements: readonly Statement[], req: Request) => evaluate(statements, req) === 'allow';

/** The resolved statements of a managed policy. */
export function managedPolicyStatements(template: Template, logicalId: string, stacks: Stacks): Statement[] {
  const res = (template.toJSON() as { Resources: Cfn }).Resources[logicalId];
  if (res?.Type !== 'AWS::IAM::ManagedPolicy') throw new Error(`${logicalId} is not a managed policy`);
  return (resolve((res.Properties!.PolicyDocument as { Statement: unknown }).Statement, template, stacks) as Statement[]);
}

/**
 * Every identity-policy statement of a Lambda function's role: inline policies of the role and
 * `AWS::IAM::Policy` resources attached to it. AWS managed policies are reported by ARN, so a
 * test can insist they are only the ones it knows.
 */
export function functionStatements(template: Template, functionLogicalId: string, stacks: Stacks): { statements: Statement[]; managed: string[] } {
  const resources = (template.toJSON() as { Resources: Cfn }).Resources;
  const fn = resources[functionLogicalId];
  const roleRef = fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] } | undefined;
  const roleId = roleRef?.['Fn::GetAtt']?.[0];
  if (!roleId) throw new Error(`${functionLogicalId} has no role of this stack`);
  const role = resources[roleId]!;
  const statements: Statement[] = [];
  for (const p of (role.Properties?.Policies as { PolicyDocument: { Statement: unknown[] } }[] | undefined) ?? [])
    statements.push(...(resolve(p.PolicyDocument.Statement, template, stacks) as Statement[]));
  for (const res of Object.values(resources)) {
    if (res.Type !== 'AWS::IAM::Policy') continue;
    const roles = (res.Properties!.Roles as { Ref: string }[] | undefined) ?? [];
    if (roles.some((x) => x.Ref === roleId))
      statements.push(...(resolve((res.Properties!.PolicyDocument as { Statement: unknown[] }).Statement, template, stacks) as Statement[]));
  }
  const managed = (resolve(role.Properties?.ManagedPolicyArns ?? [], template, stacks) as string[]);
  return { statements, managed };
}

/**
 * The ARNs of the stateful stack's tables and keys, resolved as a role's statements name them
 * (what a test asks `allowed` about).
 */
export function storageArns(s: { stateful: Stack; templates: { stateful: Template } }, stacks: Stacks): { hotTable: string; stateTable: string; key: string; secretsKey: string } {
  const storage = (s.stateful as StatefulStack).storage;
  const arnOf = (c: { node: { defaultChild?: unknown } }) => resolve({ 'Fn::GetAtt': [s.stateful.getLogicalId(c.node.defaultChild as CfnElement), 'Arn'] }, s.templates.stateful, stacks) as string;
  return { hotTable: arnOf(storage.table), stateTable: arnOf(storage.stateTable), key: arnOf(storage.key), secretsKey: arnOf(storage.secretsKey) };
}
