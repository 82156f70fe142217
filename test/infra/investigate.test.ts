/**
 * The investigation API in AWS: an IAM-authorized route on the collector's HTTP API, per-tenant
 * investigator policies evaluated request by request (tenant A's may invoke A's routes and nothing
 * else: not B's, not the webhook routes, not another method), the function's role evaluated (the
 * table and its user index (reads), feed records, alert objects; never the detector's state or the
 * events in the archive), and cdk-nag.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';
import { investigatorPolicyOutputKey } from '../../infra/constructs/investigate.ts';
import { nagFindings, synth, type Synth } from '../helpers/cdk.ts';
import { ACCOUNT, allowed, functionStatements, managedPolicyStatements, REGION, resolve, type Request, type Statement } from './policy-eval.ts';

const ARCHIVE = `authtrail-archive-${ACCOUNT}-${REGION}`;

/**
 * `ForAllValues:StringLike` over `dynamodb:LeadingKeys` as IAM evaluates it for a request naming
 * one or more keys: every key must match. policy-eval knows single-valued operators only, so each
 * statement is judged here once per requested key (a request always names its keys).
 */
function allowedFor(statements: readonly Statement[], req: Request & { leadingKeys?: string[] }): boolean {
  const keys = req.leadingKeys ?? [];
  const single = statements.map((st) => {
    const c = st.Condition?.['ForAllValues:StringLike'];
    if (!c) return st;
    const { ['ForAllValues:StringLike']: _, ...rest } = st.Condition!;
    return { ...st, Condition: { ...rest, StringLike: c } };
  });
  if (!keys.length) return allowed(statements.filter((st) => !st.Condition?.['ForAllValues:StringLike']), req);
  return keys.every((k) => allowed(single, { ...req, context: { ...req.context, 'dynamodb:LeadingKeys': k } }));
}

describe('infra: the investigation API', () => {
  let s: Synth;
  let stacks: { templates: Synth['templates'][keyof Synth['templates']][] };
  let apiId: string;
  let hotTableArn: string;
  let stateTableArn: string;
  let keyArn: string;
  let fnId: string;
  const invoke = (method: string, path: string) => ({ action: 'execute-api:Invoke', resource: `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/$default/${method}${path}` });

  before(() => {
    s = synth();
    stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    const t = s.templates.stateless;
    const apis = Object.keys(t.findResources('AWS::ApiGatewayV2::Api'));
    assert.equal(apis.length, 1);
    apiId = resolve({ Ref: apis[0] }, t, stacks) as string;
    const storage = (s.stateful as StatefulStack).storage;
    const arnOf = (c: { node: { defaultChild?: unknown } }) => resolve({ 'Fn::GetAtt': [s.stateful.getLogicalId(c.node.defaultChild as CfnElement), 'Arn'] }, s.templates.stateful, stacks) as string;
    hotTableArn = arnOf(storage.table);
    stateTableArn = arnOf(storage.stateTable);
    keyArn = arnOf(storage.key);
    const fns = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Investigation API') } }));
    assert.equal(fns.length, 1);
    fnId = fns[0]!;
  });

  it('GET /v1/tenants/{tenant}/{proxy+} is IAM-authorized; the webhook routes are not, and lead elsewhere', () => {
    const routes = s.templates.stateless.findResources('AWS::ApiGatewayV2::Route');
    const byKey = new Map(Object.values(routes).map((r) => [String(r['Properties'].RouteKey), r['Properties'] as Record<string, unknown>]));
    const inv = byKey.get('GET /v1/tenants/{tenant}/{proxy+}');
    assert.ok(inv, [...byKey.keys()].join(', '));
    assert.equal(inv['AuthorizationType'], 'AWS_IAM');
    assert.deepEqual([...byKey.keys()].filter((k) => k.includes('/v1/tenants')), ['GET /v1/tenants/{tenant}/{proxy+}'], 'GET only');
    for (const [k, r] of byKey) if (k !== 'GET /v1/tenants/{tenant}/{proxy+}') assert.notEqual(r['AuthorizationType'], 'AWS_IAM', k);
    const target = JSON.stringify(inv['Target']);
    for (const [k, r] of byKey) if (k.includes('/v1/ingest') || k.includes('/v1/health')) assert.notEqual(JSON.stringify(r['Target']), target, `${k} reaches another integration`);
  });

  it('each tenant\'s investigator policy invokes its own routes only', () => {
    const t = s.templates.stateless;
    for (const [tenant, other] of [['acme', 'globex'], ['globex', 'acme']] as const) {
      const out = t.findOutputs(investigatorPolicyOutputKey(tenant));
      const value = Object.values(out)[0]?.['Value'] as { Ref: string } | undefined;
      assert.ok(value?.Ref, `output ${investigatorPolicyOutputKey(tenant)}`);
      const st = managedPolicyStatements(t, value.Ref, stacks);
      const can = (r: Request) => allowed(st, r);
      for (const r of ['events?user=x', 'events', 'alerts', 'summary']) assert.ok(can(invoke('GET', `/v1/tenants/${tenant}/${r.split('?')[0]}`)), `${tenant} ${r}`);
      for (const [m, p] of [['GET', `/v1/tenants/${other}/events`], ['GET', `/v1/tenants/${other}/summary`], ['GET', `/v1/tenants/${tenant}-eu/events`], ['POST', `/v1/tenants/${tenant}/events`],
        ['POST', `/v1/ingest/${tenant}-okta`], ['GET', `/v1/ingest/${tenant}-okta`], ['POST', `/v1/ingest/${other}-okta`], ['GET', '/v1/health'], ['POST', '/v1/eventbridge']] as const) {
        assert.ok(!can(invoke(m, p)), `${tenant}'s policy must not invoke ${m} ${p}`);
      }
      for (const action of ['dynamodb:Query', 's3:GetObject', 'lambda:InvokeFunction', 'execute-api:ManageConnections']) assert.ok(!can({ action, resource: '*' }), action);
    }
  });

  it('the function\'s role: the table and its user index (reads), feed records, alert objects — nothing else', () => {
    const { statements, managed } = functionStatements(s.templates.stateless, fnId, stacks);
    assert.ok(managed.every((m) => m.endsWith(':iam::aws:policy/service-role/AWSLambdaBasicExecutionRole')), managed.join());
    const can = (r: Request & { leadingKeys?: string[] }) => allowedFor(statements, r);
    assert.ok(can({ action: 'dynamodb:Query', resource: `${hotTableArn}/index/by_user` }));
    assert.ok(can({ action: 'dynamodb:Query', resource: hotTableArn }), 'a tenant\'s days are the table\'s key');
    assert.ok(can({ action: 'dynamodb:BatchGetItem', resource: hotTableArn }), 'a user page\'s items');
    for (const action of ['dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) assert.ok(!can({ action, resource: hotTableArn }), `${action} on the table`);
    assert.ok(!can({ action: 'dynamodb:Scan', resource: `${hotTableArn}/index/by_user` }));
    assert.ok(can({ action: 'dynamodb:BatchGetItem', resource: stateTableArn, leadingKeys: ['feed#acme-okta', 'feed#acme-duo'] }));
    assert.ok(!can({ action: 'dynamodb:BatchGetItem', resource: stateTableArn, leadingKeys: ['feed#acme-okta', 'detect#acme#jo@acme.example'] }), 'detector state');
    assert.ok(!can({ action: 'dynamodb:BatchGetItem', resource: stateTableArn, leadingKeys: ['cursor#acme-duo'] }));
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:Query']) assert.ok(!can({ action, resource: stateTableArn, leadingKeys: ['feed#acme-okta'] }), action);
    assert.ok(can({ action: 's3:GetObject', resource: `arn:aws:s3:::${ARCHIVE}/alerts/tenant=acme/dt=2026-11-28/alerts-x.parquet` }));
    assert.ok(can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, context: { 's3:prefix': 'alerts/tenant=acme/dt=2026-11-28/' } }));
    for (const key of ['events/tenant=acme/dt=2026-11-28/x.parquet', 'quarantine/x', 'digests/x']) assert.ok(!can({ action: 's3:GetObject', resource: `arn:aws:s3:::${ARCHIVE}/${key}` }), key);
    assert.ok(!can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, context: { 's3:prefix': 'events/' } }));
    assert.ok(!can({ action: 's3:PutObject', resource: `arn:aws:s3:::${ARCHIVE}/alerts/x` }));
    assert.ok(can({ action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` } }));
    assert.ok(!can({ action: 'kms:Decrypt', resource: keyArn }), 'only through DynamoDB and S3');
    assert.ok(!can({ action: 'secretsmanager:GetSecretValue', resource: '*' }));
  });

  it('deployed, the handler insists on an IAM identity (a user-pool token on the console\'s routes) and knows no source secret', () => {
    const fn = s.templates.stateless.toJSON().Resources[fnId] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    assert.equal(fn.Properties.Environment.Variables['AUTHTRAIL_REQUIRE_IAM'], 'true');
    const perms = Object.values(s.templates.stateless.findResources('AWS::Lambda::Permission')).filter((p) => JSON.stringify(p['Properties'].FunctionName).includes(fnId));
    assert.ok(perms.length > 0);
    // The tooling route, and the web console's data route (test/infra/console.test.ts): nothing else.
    for (const p of perms) assert.match(String(resolve(p['Properties'].SourceArn, s.templates.stateless, stacks)), /\/\*\/\*\/v1\/(tenants\/\{tenant\}|console)\/\{proxy\+\}$/);
  });

  it('the operator commands\' policy lets timeline --outputs query the table and its user index, never scan them', () => {
    const t = s.templates.stateless;
    const ref = (Object.values(t.findOutputs('OperatorCommandsPolicyArn'))[0]?.['Value'] as { Ref: string }).Ref;
    const st = managedPolicyStatements(t, ref, stacks);
    assert.ok(allowed(st, { action: 'dynamodb:Query', resource: `${hotTableArn}/index/by_user` }));
    assert.ok(allowed(st, { action: 'dynamodb:Query', resource: hotTableArn }));
    assert.ok(!allowed(st, { action: 'dynamodb:Scan', resource: hotTableArn }));
    assert.ok(!allowed(st, { action: 'dynamodb:Scan', resource: `${hotTableArn}/index/by_user` }));
  });

  it('cdk-nag: no unacknowledged finding in the stateless stack', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });
});
