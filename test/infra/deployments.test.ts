/**
 * Several deployments in one account and region (`operations.deploymentName`): two apps, the
 * default `authtrail` and `client-b`, share no physical name — stacks, buckets, Glue database,
 * Athena workgroups, dashboard, secrets, CloudFormation exports, the metrics' `service`
 * dimension — and the default keeps exactly the names deployments had before the setting.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, type Config } from '../../lambdas/core/config.ts';
import { stackNames } from '../../lambdas/core/operations-config.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { ACCOUNT, REGION, resolve } from './policy-eval.ts';

const named = (deploymentName: string): Config => parseConfig({ ...TEST_CONFIG, operations: { deploymentName } }, 'test');

/** Every physical name an account-and-region-wide namespace holds, by kind. */
function physicalNames(s: Synth): Record<string, string[]> {
  const stacks = { templates: [s.templates.stateful, s.templates.stateless] };
  const names: Record<string, string[]> = { stack: [s.stateful.stackName, s.stateless.stackName] };
  const add = (kind: string, v: unknown, t: Synth['templates']['stateful']) => (names[kind] ??= []).push(String(resolve(v, t, stacks)));
  for (const t of stacks.templates) {
    const j = t.toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, any> }>; Outputs?: Record<string, { Export?: { Name: unknown } }> };
    for (const r of Object.values(j.Resources)) {
      const p = r.Properties ?? {};
      if (r.Type === 'AWS::S3::Bucket' && p['BucketName']) add('bucket', p['BucketName'], t);
      if (r.Type === 'AWS::Athena::WorkGroup') add('workgroup', p['Name'], t);
      if (r.Type === 'AWS::Glue::Database') add('glue database', p['DatabaseInput'].Name, t);
      if (r.Type === 'AWS::CloudWatch::Dashboard') add('dashboard', p['DashboardName'], t);
      if (r.Type === 'AWS::SecretsManager::Secret') add('secret', p['Name'], t);
      if (r.Type === 'AWS::DynamoDB::Table' && p['TableName']) add('table', p['TableName'], t);
      if (r.Type === 'AWS::Lambda::Function') add('metrics service', p['Environment'].Variables.POWERTOOLS_SERVICE_NAME, t);
      if (r.Type === 'AWS::CloudWatch::Alarm') for (const d of [...(p['Dimensions'] ?? []), ...(p['Metrics'] ?? []).flatMap((m: { MetricStat?: { Metric: { Dimensions?: unknown[] } } }) => m.MetricStat?.Metric.Dimensions ?? [])])
        if ((d as { Name: string }).Name === 'service') add('metrics service', (d as { Value: unknown }).Value, t);
    }
    for (const o of Object.values(j.Outputs ?? {})) if (o.Export) add('export', o.Export.Name, t);
  }
  for (const k of Object.keys(names)) names[k] = [...new Set(names[k])].sort();
  return names;
}

describe('several deployments in one account and region (operations.deploymentName)', () => {
  let a: Record<string, string[]>;
  let b: Record<string, string[]>;
  let bSynth: Synth;
  before(() => {
    a = physicalNames(synth(TEST_CONFIG));
    bSynth = synth(named('client-b'));
    b = physicalNames(bSynth);
  });

  it('the default deployment keeps the names it had', () => {
    assert.deepEqual(a['stack'], ['AuthTrailStateful', 'AuthTrailStateless']);
    assert.deepEqual(a['bucket'], [`authtrail-archive-${ACCOUNT}-${REGION}`, `authtrail-athena-results-${ACCOUNT}-${REGION}`]);
    assert.deepEqual(a['workgroup'], ['authtrail', 'authtrail-acme', 'authtrail-globex']);
    assert.deepEqual(a['glue database'], ['authtrail']);
    assert.deepEqual(a['dashboard'], ['authtrail-AuthTrailStatelessCollector502550E2']);
    assert.deepEqual(a['secret'], ['acme-okta', 'globex-generic', 'globex-okta/apiToken'].map((x) => `authtrail/AuthTrailStatelessCollector502550E2/source/${x}`));
    assert.deepEqual(a['metrics service'], ['authtrail']);
    assert.ok(a['export']!.every((e) => e.startsWith('AuthTrailStateful:')), a['export']!.join());
  });

  it('client-b: every name carries its own deployment name', () => {
    assert.deepEqual(b['stack'], ['ClientBStateful', 'ClientBStateless']);
    assert.deepEqual(b['bucket'], [`client-b-archive-${ACCOUNT}-${REGION}`, `client-b-athena-results-${ACCOUNT}-${REGION}`]);
    assert.deepEqual(b['workgroup'], ['client-b', 'client-b-acme', 'client-b-globex']);
    assert.deepEqual(b['glue database'], ['client_b']);
    assert.ok(b['dashboard']!.every((d) => d.startsWith('client-b-')), b['dashboard']!.join());
    assert.ok(b['secret']!.length === 3 && b['secret']!.every((x) => x.startsWith('client-b/')), b['secret']!.join());
    assert.deepEqual(b['metrics service'], ['client-b']);
  });

  it('no physical name of one deployment is a name of the other', () => {
    const kinds = new Set([...Object.keys(a), ...Object.keys(b)]);
    assert.ok(['stack', 'bucket', 'workgroup', 'glue database', 'dashboard', 'secret', 'export', 'metrics service'].every((k) => kinds.has(k)), [...kinds].join());
    for (const kind of kinds) {
      const shared = (a[kind] ?? []).filter((n) => (b[kind] ?? []).includes(n));
      assert.deepEqual(shared, [], `${kind} names shared by both deployments`);
    }
  });

  it('the Glue database is an output, for the Athena queries of the operator commands', () => {
    assert.equal((synth(TEST_CONFIG).templates.stateful.toJSON().Outputs as Record<string, { Value: unknown }>)['GlueDatabaseName']?.Value, 'authtrail');
    assert.equal((bSynth.templates.stateful.toJSON().Outputs as Record<string, { Value: unknown }>)['GlueDatabaseName']?.Value, 'client_b');
  });

  it('the policies of client-b name its own buckets, workgroups and Glue database', () => {
    const all = JSON.stringify([bSynth.templates.stateful.toJSON(), bSynth.templates.stateless.toJSON()]);
    assert.doesNotMatch(all, /authtrail-archive-|authtrail-athena-results-|workgroup\/authtrail|database\/authtrail|"authtrail\//);
    assert.match(all, /client-b-archive-/);
  });

  it('cdk-nag: no unacknowledged finding under another deployment name', () => {
    assert.deepEqual(nagFindings(bSynth.app, bSynth.stateful), []);
    assert.deepEqual(nagFindings(bSynth.app, bSynth.stateless), []);
  });
});

describe('config: operations.deploymentName', () => {
  const base = { tenants: [{ id: 'acme', name: 'Acme' }], sources: [] };
  it('defaults to authtrail; names the rule when refused', () => {
    assert.equal(parseConfig({ ...base, operations: {} }, 't').operations?.deploymentName, 'authtrail');
    assert.equal(parseConfig({ ...base, operations: { deploymentName: 'client-b2' } }, 't').operations?.deploymentName, 'client-b2');
    for (const bad of ['ab', 'Client-b', 'client_b', '-client', 'client-', '1client', 'client--b', 'a-name-far-too-long-xx'])
      assert.throws(() => parseConfig({ ...base, operations: { deploymentName: bad } }, 't'), /operations\.deploymentName: /, bad);
    assert.throws(() => parseConfig({ ...base, operations: { deploymentName: 'auth-trail' } }, 't'), /stacks of the default deployment/);
  });
  it('stack names: the default keeps AuthTrail…, another is PascalCase', () => {
    assert.deepEqual(stackNames('authtrail'), { stateful: 'AuthTrailStateful', stateless: 'AuthTrailStateless' });
    assert.deepEqual(stackNames('client-b'), { stateful: 'ClientBStateful', stateless: 'ClientBStateless' });
  });
});
