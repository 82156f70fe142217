/**
 * One webhook intake and one poller per tenant: each bundled with its own tenant's sources and
 * allowed to read only their secrets (policies evaluated, not counted); one route per webhook
 * source to its tenant's intake, with a catch-all that holds nothing and answers as one intake
 * for all did; schedules, alarms, outputs and the operator policy following each tenant's
 * functions; and `poll --outputs` finding the poller of the source's tenant.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig, type Config } from '../../lambdas/core/config.ts';
import { createIngest } from '../../lambdas/core/ingest.ts';
import { servedConfig } from '../../infra/constructs/collector.ts';
import type { StatelessStack } from '../../infra/stacks/stateless.ts';
import { pollerFunctionName } from '../../cli/poll.ts';
import { parseOutputs, pollerOutputKey } from '../../cli/outputs.ts';
import { synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { ACCOUNT, allowed, evaluate, functionStatements, managedPolicyStatements, REGION, resolve, type Request } from './policy-eval.ts';

const EXAMPLE = parseConfig(JSON.parse(readFileSync(new URL('../../examples/authtrail.config.json', import.meta.url), 'utf8')), 'example');
const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:authtrail/${name}-AbCdEf`;
const read = (resource: string): Request => ({ action: 'secretsmanager:GetSecretValue', resource });

interface World { s: Synth; stateless: StatelessStack; stacks: { templates: Synth['templates'][keyof Synth['templates']][] } }
const world = (config: Config): World => {
  const s = synth(config);
  return { s, stateless: s.stateless as StatelessStack, stacks: { templates: [s.templates.stateful, s.templates.stateless] } };
};
const idOf = (w: World, c: { node: { defaultChild?: unknown } }) => w.stateless.getLogicalId(c.node.defaultChild as CfnElement);

describe('per-tenant intakes and pollers (the three-tenant example)', () => {
  let w: World;
  before(() => { w = world(EXAMPLE); });

  it('an intake for each tenant with webhook sources, a poller for each with pull sources', () => {
    const f = w.stateless.collector.tenantFunctions;
    assert.deepEqual(Object.entries(f).map(([t, x]) => [t, !!x.intake, !!x.poller]), [
      ['northwind', true, true], ['contoso', false, true], ['fabrikam', true, false],
    ]);
  });

  it('each intake and poller reads its own tenant\'s secrets and no other tenant\'s', () => {
    const f = w.stateless.collector.tenantFunctions;
    const st = (fn: { node: { defaultChild?: unknown } }) => functionStatements(w.s.templates.stateless, idOf(w, fn), w.stacks).statements;
    const ok = (fn: Parameters<typeof st>[0], arns: string[], who: string) => { for (const a of arns) assert.ok(allowed(st(fn), read(a)), `${who} reads ${a}`); };
    const no = (fn: Parameters<typeof st>[0], arns: string[], who: string) => { for (const a of arns) assert.notEqual(evaluate(st(fn), read(a)), 'allow', `${who} must not read ${a}`); };
    const [nwHook, nwApi, duo, entra] = ['northwind-okta-hook', 'northwind-okta-api', 'contoso-duo-skey', 'fabrikam-entra-forwarder'].map(arn) as [string, string, string, string];
    ok(f['northwind']!.intake!, [nwHook], 'northwind intake');
    no(f['northwind']!.intake!, [nwApi, duo, entra], 'northwind intake');
    ok(f['northwind']!.poller!, [nwApi], 'northwind poller');
    no(f['northwind']!.poller!, [nwHook, duo, entra], 'northwind poller');
    ok(f['contoso']!.poller!, [duo], 'contoso poller');
    no(f['contoso']!.poller!, [nwHook, nwApi, entra], 'contoso poller');
    ok(f['fabrikam']!.intake!, [entra], 'fabrikam intake');
    no(f['fabrikam']!.intake!, [nwHook, nwApi, duo], 'fabrikam intake');
    // The catch-all: nothing at all, and no data access either.
    const catchAll = st(w.stateless.collector.ingestFunction);
    for (const q of [...[nwHook, nwApi, duo, entra].map(read), read(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:x-Ab12Cd`),
      { action: 'dynamodb:PutItem', resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/x` }, { action: 's3:PutObject', resource: 'arn:aws:s3:::authtrail-archive-x/quarantine/a' }, { action: 'kms:Decrypt', resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/x` }])
      assert.notEqual(evaluate(catchAll, q), 'allow', `catch-all: ${q.action} ${q.resource}`);
  });

  it('each intake and poller writes quarantine objects under its own tenant\'s prefix only; the EventBridge intake under any', () => {
    const f = w.stateless.collector.tenantFunctions;
    const st = (fn: { node: { defaultChild?: unknown } }) => functionStatements(w.s.templates.stateless, idOf(w, fn), w.stacks).statements;
    const put = (tenant: string): Request => ({ action: 's3:PutObject', resource: `arn:aws:s3:::authtrail-archive-${ACCOUNT}-${REGION}/quarantine/tenant=${tenant}/dt=2026-11-20/q.json` });
    const tenants = ['northwind', 'contoso', 'fabrikam', '_unrouted'];
    for (const [tenant, fn] of [['northwind', f['northwind']!.intake!], ['northwind', f['northwind']!.poller!], ['contoso', f['contoso']!.poller!], ['fabrikam', f['fabrikam']!.intake!]] as const) {
      assert.ok(allowed(st(fn), put(tenant)), `${fn.node.id} quarantines for ${tenant}`);
      for (const other of tenants.filter((t) => t !== tenant)) assert.notEqual(evaluate(st(fn), put(other)), 'allow', `${fn.node.id} must not write ${other}'s quarantine`);
      assert.notEqual(evaluate(st(fn), { action: 's3:PutObject', resource: `arn:aws:s3:::authtrail-archive-${ACCOUNT}-${REGION}/events/tenant=${tenant}/x.parquet` }), 'allow');
    }
    for (const tenant of tenants) assert.ok(allowed(st(w.stateless.collector.eventBridgeFunction), put(tenant)), `EventBridge intake quarantines for ${tenant}`);
  });

  it('each webhook source has POST and GET routes to its tenant\'s intake; the catch-all takes health and any other id', () => {
    const t = w.s.templates.stateless.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const integrationOf = (routeKey: string) => {
      const routes = Object.values(t.Resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route' && r.Properties['RouteKey'] === routeKey);
      assert.equal(routes.length, 1, routeKey);
      const target = resolve(routes[0]!.Properties['Target'], w.s.templates.stateless, w.stacks) as string;
      const integration = t.Resources[target.replace(/^integrations\//, '')]!;
      assert.equal(integration.Type, 'AWS::ApiGatewayV2::Integration', routeKey);
      return (integration.Properties['IntegrationUri'] as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    };
    const f = w.stateless.collector.tenantFunctions;
    for (const [source, tenant] of [['northwind-okta', 'northwind'], ['fabrikam-entra', 'fabrikam']] as const)
      for (const m of ['POST', 'GET']) assert.equal(integrationOf(`${m} /v1/ingest/${source}`), idOf(w, f[tenant]!.intake!), `${m} ${source}`);
    const catchAll = idOf(w, w.stateless.collector.ingestFunction);
    for (const key of ['POST /v1/ingest/{sourceId}', 'GET /v1/ingest/{sourceId}', 'GET /v1/health']) assert.equal(integrationOf(key), catchAll, key);
    // A pull-only source has no route of its own (it takes no webhook).
    assert.ok(!Object.values(t.Resources).some((r) => r.Properties?.['RouteKey'] === 'POST /v1/ingest/contoso-duo'));
    // Only this API may invoke a tenant's intake, on ingest paths: one permission per intake.
    const apiId = Object.keys(w.s.templates.stateless.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    for (const tenant of ['northwind', 'fabrikam']) {
      const perms = Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::Permission' && (r.Properties['FunctionName'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt']?.[0] === idOf(w, f[tenant]!.intake!));
      assert.deepEqual(perms.map((p) => [p.Properties['Principal'], resolve(p.Properties['SourceArn'], w.s.templates.stateless, w.stacks)]),
        [['apigateway.amazonaws.com', `arn:aws:execute-api:${REGION}:${ACCOUNT}:${apiId}/*/*/v1/ingest/*`]], tenant);
    }
  });

  it('each pull source\'s schedule invokes its own tenant\'s poller; the scheduler role invokes only the pollers', () => {
    const schedules = Object.values(w.s.templates.stateless.findResources('AWS::Scheduler::Schedule')).map((r) => r.Properties).filter((p) => p.Target.Input !== '{}');
    const f = w.stateless.collector.tenantFunctions;
    const target = (sourceId: string) => schedules.find((p) => JSON.parse(p.Target.Input).sourceId === sourceId)!.Target.Arn['Fn::GetAtt'][0];
    assert.equal(target('northwind-okta'), idOf(w, f['northwind']!.poller!));
    assert.equal(target('contoso-duo'), idOf(w, f['contoso']!.poller!));
    const role = schedules[0]!.Target.RoleArn['Fn::GetAtt'][0] as string;
    const policy = Object.values(w.s.templates.stateless.findResources('AWS::IAM::Policy')).find((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))!;
    const invoke = policy.Properties.PolicyDocument.Statement.find((x: { Action: string }) => x.Action === 'lambda:InvokeFunction');
    assert.deepEqual(invoke.Resource.map((r: { 'Fn::GetAtt': string[] }) => r['Fn::GetAtt'][0]).sort(), [idOf(w, f['northwind']!.poller!), idOf(w, f['contoso']!.poller!)].sort());
  });

  it('IngestErrorsAlarm sums the errors of every intake function, the catch-all included', () => {
    const alarms = w.s.templates.stateless.findResources('AWS::CloudWatch::Alarm');
    const ingest = Object.entries(alarms).filter(([id]) => id.includes('IngestErrorsAlarm'));
    assert.equal(ingest.length, 1);
    const metrics = ingest[0]![1].Properties.Metrics as { Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: { Ref: string } }[] } } }[];
    assert.match(metrics.find((m) => m.Expression)!.Expression!, /^SUM\(\[e0, e1, e2\]\)$/);
    const f = w.stateless.collector.tenantFunctions;
    assert.deepEqual(metrics.filter((m) => m.MetricStat).map((m) => [m.MetricStat!.Metric.MetricName, m.MetricStat!.Metric.Dimensions[0]!.Value.Ref]).sort(),
      [w.stateless.collector.ingestFunction, f['northwind']!.intake!, f['fabrikam']!.intake!].map((fn) => ['Errors', idOf(w, fn)]).sort());
  });

  it('outputs PollerFunctionName<tenant> per tenant with pull sources; the operator policy may invoke each poller', () => {
    const outputs = w.s.templates.stateless.toJSON().Outputs as Record<string, { Value: { Ref: string } }>;
    const f = w.stateless.collector.tenantFunctions;
    assert.deepEqual(Object.keys(outputs).filter((k) => k.startsWith('PollerFunctionName')).sort(), ['PollerFunctionNamecontoso', 'PollerFunctionNamenorthwind']);
    assert.equal(outputs['PollerFunctionNamenorthwind']!.Value.Ref, idOf(w, f['northwind']!.poller!));
    assert.equal(outputs['PollerFunctionNamecontoso']!.Value.Ref, idOf(w, f['contoso']!.poller!));
    const id = Object.keys(w.s.templates.stateless.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('operator commands') } }))[0]!;
    const st = managedPolicyStatements(w.s.templates.stateless, id, w.stacks);
    for (const fn of [f['northwind']!.poller!, f['contoso']!.poller!])
      assert.ok(allowed(st, { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${idOf(w, fn)}` }), fn.node.id);
    assert.ok(!allowed(st, { action: 'lambda:InvokeFunction', resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${idOf(w, f['fabrikam']!.intake!)}` }), 'not the intakes');
  });

  it('poll --outputs: the poller of the source\'s tenant, from the deploy\'s outputs file', () => {
    const values = Object.fromEntries(Object.entries(w.s.templates.stateless.toJSON().Outputs as Record<string, { Value: unknown }>)
      .map(([k, o]) => [k, String(resolve(o.Value, w.s.templates.stateless, w.stacks))]));
    const outputs = parseOutputs(JSON.stringify({ AuthTrailStateless: values }), 'cdk-outputs.json');
    const f = w.stateless.collector.tenantFunctions;
    assert.equal(pollerFunctionName(outputs, 'northwind-okta', EXAMPLE), idOf(w, f['northwind']!.poller!));
    assert.equal(pollerFunctionName(outputs, 'contoso-duo', EXAMPLE), idOf(w, f['contoso']!.poller!));
    assert.throws(() => pollerFunctionName(outputs, 'nosuch', EXAMPLE), /has no PollerFunctionName \(the poller function; the stack has one per tenant/);
    // A file with one poller (one tenant polls, or a stack from before the split): that one.
    const one = parseOutputs(JSON.stringify({ S: { PollerFunctionName: 'old-poller' } }), 'f');
    assert.equal(pollerFunctionName(one, 'contoso-duo', EXAMPLE), 'old-poller');
    const missing = parseOutputs(JSON.stringify({ S: { [pollerOutputKey('northwind')]: 'a', [pollerOutputKey('x')]: 'b' } }), 'f');
    assert.throws(() => pollerFunctionName(missing, 'contoso-duo', EXAMPLE), /has no PollerFunctionNamecontoso \(the poller of tenant contoso, which polls contoso-duo/);
  });
});

describe('the intake alarm beyond ten intake functions', () => {
  it('IngestErrorsAlarm and IngestErrorsAlarm2 cover every intake exactly once', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `t${i}`);
    const config = parseConfig({
      tenants: ids.map((id) => ({ id, name: id })),
      sources: ids.map((t) => ({ id: `${t}-okta`, tenant: t, kind: 'okta', auth: { type: 'shared-secret', secretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${t}-AbCdEf` } })),
    }, 'test');
    const w = world(config);
    const alarms = Object.entries(w.s.templates.stateless.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => id.includes('IngestErrorsAlarm'));
    assert.equal(alarms.length, 2);
    const covered = alarms.flatMap(([, a]) => (a.Properties.Metrics as { MetricStat?: { Metric: { Dimensions: { Value: { Ref: string } }[] } } }[])
      .filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric.Dimensions[0]!.Value.Ref));
    const intakes = [w.stateless.collector.ingestFunction, ...ids.map((t) => w.stateless.collector.tenantFunctions[t]!.intake!)].map((fn) => idOf(w, fn));
    assert.deepEqual(covered.sort(), intakes.sort());
    for (const [, a] of alarms) assert.ok(a.Properties.Metrics.length <= 11, 'at most 10 metrics and the expression');
  });
});

describe('the catch-all answers exactly as one intake for all tenants did', () => {
  const stub = {
    store: { putNew: () => Promise.reject(new Error('the catch-all must not store')) },
    quarantine: { put: () => Promise.reject(new Error('the catch-all must not quarantine')) },
    secrets: () => Promise.reject(new Error('the catch-all must not read a secret')),
  };
  const all = createIngest({ config: TEST_CONFIG, ...stub });
  const catchAll = createIngest({ config: servedConfig(TEST_CONFIG, null, (s) => !!s.auth), ...stub });
  const req = (sourceId: string, method = 'POST') => ({ method, sourceId, headers: { authorization: 'x' }, body: Buffer.from('{}') });

  it('unknown source: the same 404 unknown_source; a source that takes no webhook: the same 401', async () => {
    for (const [id, method, status] of [['nosuch', 'POST', 404], ['nosuch', 'GET', 404], ['globex-aws', 'POST', 401], ['acme-duo', 'GET', 401]] as const) {
      const [a, b] = [await all.http(req(id, method)), await catchAll.http(req(id, method))];
      assert.equal(b.status, status, `${method} ${id}`);
      assert.deepEqual(b, a, `${method} ${id}`);
    }
    assert.deepEqual((await catchAll.http(req('nosuch'))).body, { error: 'unknown_source', message: 'no source "nosuch" is configured' });
  });

  it('its config holds no webhook source and no secret reference', () => {
    const c = servedConfig(TEST_CONFIG, null, (s) => !!s.auth);
    assert.deepEqual(c.sources.map((s) => s.id).sort(), ['acme-duo', 'globex-aws']);
    assert.doesNotMatch(JSON.stringify(c), /secret|Secret|token|Token|arn:/);
    assert.equal(c.operations, undefined);
  });

  it('a tenant\'s subset: its own sources, its own alert overrides, and still a valid config', () => {
    const cfg = parseConfig({
      ...TEST_CONFIG,
      alerts: { rules: { feed_silence: { sources: { 'acme-okta': 60, 'globex-generic': 120 } } }, tenants: { acme: {}, globex: { rules: { brute_force: { threshold: 20 } } } } },
    }, 'test');
    const acme = servedConfig(cfg, 'acme', (s) => !!s.auth);
    assert.deepEqual(acme.sources.map((s) => s.id), ['acme-okta']);
    assert.deepEqual(acme.tenants.map((t) => t.id), ['acme']);
    assert.deepEqual(Object.keys(acme.alerts.tenants), ['acme']);
    assert.deepEqual(Object.keys(acme.alerts.rules.feed_silence.sources ?? {}), ['acme-okta']);
    assert.deepEqual(servedConfig(cfg, 'globex', (s) => !!s.pull).sources.map((s) => s.id), ['globex-okta']);
  });
});

describe('more tenants than the stateless stack holds', () => {
  it('is a one-line config error naming the fix', () => {
    // Few enough tenants for the stateful stack, with six webhook sources each.
    const ids = Array.from({ length: 20 }, (_, i) => `t${i}`);
    const ref = (x: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${x}-AbCdEf`;
    const hook = (t: string, kind: string) => ({ id: `${t}-${kind}`, tenant: t, kind, auth: { type: 'shared-secret', secretArn: ref(`${t}-${kind}`) } });
    const config = parseConfig({
      tenants: ids.map((id) => ({ id, name: id })),
      sources: ids.flatMap((t) => [
        { ...hook(t, 'okta'), pull: { baseUrl: 'https://x.okta.example.com', apiTokenSecretArn: ref(`${t}-api`) } },
        ...['entra', 'generic', 'pingone', 'onelogin', 'keycloak'].map((k) => hook(t, k)),
      ]),
    }, 'test');
    assert.throws(() => synth(config), (e: Error) => e.name === 'ConfigError' && /^20 tenants with 120 sources need \d+ resources in the stateless stack, more than the 500 .* deploy fewer tenants per deployment/.test(e.message) && !e.message.includes('\n'));
  });
});
