/**
 * Tenant isolation, proven by evaluating the synthesized policies (policy-eval.ts), not by
 * counting them: for every pair of tenants, one tenant's auditor policy is asked for the other
 * tenant's archive objects, listings, Athena results, workgroup and every secret, and must be
 * refused; the same requests for its own tenant must be allowed (so a refusal is not an accident
 * of the evaluator). The operator's policy reads every tenant. Each intake Lambda reads only the
 * secrets of the sources it serves.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { parseConfig, type Config } from '../../lambdas/core/config.ts';
import { synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { allowed, evaluate, functionStatements, managedPolicyStatements, REGION, ACCOUNT, resolve, type Request, type Statement } from './policy-eval.ts';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';
import type { StatelessStack } from '../../infra/stacks/stateless.ts';

/** Three tenants, one id a prefix of another: `acme` must not reach `acme-eu`. */
const PREFIX_CONFIG = parseConfig({
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'acme-eu', name: 'Acme EU' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'inline-1' } },
    { id: 'acme-eu-okta', tenant: 'acme-eu', kind: 'okta', auth: { type: 'shared-secret', secretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:acme-eu-okta-Zx81Qa` },
      pull: { baseUrl: 'https://acme-eu.okta.example.com', apiToken: 'inline-token' } },
    { id: 'globex-duo', tenant: 'globex', kind: 'duo',
      pull: { baseUrl: 'https://api-1.duosecurity.example.com', integrationKey: 'DIXXXXXXXXXXXXXXXXXX', secretKeySecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:globex-duo-skey` } },
    { id: 'globex-google', tenant: 'globex', kind: 'google_workspace', auth: { type: 'google-channel-token', token: 'inline-channel-token' } },
  ],
  retention: { hotDays: 30, archiveDays: 365, infrequentAccessAfterDays: 30, glacierAfterDays: 180 },
});
const EXAMPLE_CONFIG = parseConfig(JSON.parse(readFileSync(new URL('../../examples/authtrail.config.json', import.meta.url), 'utf8')), 'example');

const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const viaS3 = `s3.${REGION}.amazonaws.com`;
const viaSecrets = `secretsmanager.${REGION}.amazonaws.com`;
const ATHENA = ['athena:StartQueryExecution', 'athena:GetQueryResults', 'athena:GetQueryExecution', 'athena:ListNamedQueries', 'athena:GetNamedQuery', 'athena:GetWorkGroup'];

interface World {
  s: Synth;
  config: Config;
  archive: string;
  archiveArn: string;
  resultsBucket: string;
  /** Per tenant: its policy statements, workgroup ARN and result prefix (read from its workgroup). */
  tenants: Map<string, { statements: Statement[]; workGroupArn: string; resultsPrefix: string }>;
  operator: { statements: Statement[]; workGroupArn: string; resultsPrefix: string };
  mainKeyArn: string;
  secretsKeyArn: string;
  /** Every secret ARN a Lambda may be given: generated ones and the config's references. */
  secretArns: string[];
}

function world(config: Config): World {
  const s = synth(config);
  const stacks = { templates: [s.templates.stateful, s.templates.stateless] };
  const stateful = s.stateful as StatefulStack;
  const t = s.templates.stateful;
  const r = (v: unknown, tpl: Template = t) => resolve(v, tpl, stacks) as string;
  const analytics = stateful.storage.analytics;
  // Named after the deployment, account and region (infra/names.ts): the name policies refer to.
  const archive = r(t.toJSON().Resources[logicalId(stateful, stateful.storage.archiveBucket)].Properties.BucketName);
  const workGroups = Object.values(t.findResources('AWS::Athena::WorkGroup')).map((w) => w.Properties);
  const location = (name: string) => {
    const wg = workGroups.find((w) => w.Name === name);
    assert.ok(wg, `workgroup ${name}`);
    assert.equal(wg.WorkGroupConfiguration.EnforceWorkGroupConfiguration, true, `${name} enforces its result location`);
    const m = /^s3:\/\/([^/]+)\/(.+\/)$/.exec(r(wg.WorkGroupConfiguration.ResultConfiguration.OutputLocation));
    assert.ok(m, `${name} has a result prefix`);
    return { bucket: m[1]!, prefix: m[2]! };
  };
  const wgArn = (name: string) => `arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${name}`;
  const op = location('authtrail');
  const tenants = new Map(config.tenants.map(({ id }) => {
    const a = analytics.tenants[id]!;
    const loc = location(a.workGroupName);
    assert.equal(loc.bucket, op.bucket);
    return [id, { statements: managedPolicyStatements(t, logicalId(stateful, a.policy), stacks), workGroupArn: wgArn(a.workGroupName), resultsPrefix: loc.prefix }];
  }));
  const stateless = s.stateless as StatelessStack;
  const secretArns = [
    ...Object.values(stateless.collector.sourceSecrets).map((x) => r(stateless.resolve(x.secretArn), s.templates.stateless)),
    ...config.sources.flatMap((src) => [...Object.entries(src.auth ?? {}), ...Object.entries(src.pull ?? {})].filter(([k]) => /Arn$/.test(k)).map(([, v]) => String(v))),
  ];
  return {
    s, config, archive, archiveArn: `arn:aws:s3:::${archive}`, resultsBucket: op.bucket, tenants,
    operator: { statements: managedPolicyStatements(t, logicalId(stateful, analytics.operatorPolicy), stacks), workGroupArn: wgArn('authtrail'), resultsPrefix: op.prefix },
    mainKeyArn: r(stateful.resolve(stateful.storage.key.keyArn)),
    secretsKeyArn: r(stateful.resolve(stateful.storage.secretsKey.keyArn)),
    secretArns,
  };
}

const obj = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;
const get = (bucket: string, key: string): Request => ({ action: 's3:GetObject', resource: obj(bucket, key) });
const list = (bucket: string, prefix?: string): Request => ({ action: 's3:ListBucket', resource: `arn:aws:s3:::${bucket}`, context: prefix === undefined ? {} : { 's3:prefix': prefix } });
const decrypt = (keyArn: string, context: Record<string, string>, action = 'kms:Decrypt'): Request => ({ action, resource: keyArn, context });

/** What one tenant's auditor needs; each must be allowed (the positive control of every refusal). */
function ownAccess(w: World, tenant: string, p: { workGroupArn: string; resultsPrefix: string }): Request[] {
  return [
    get(w.archive, `events/tenant=${tenant}/dt=2026-11-20/batch-1.parquet`),
    get(w.archive, `alerts/tenant=${tenant}/dt=2026-11-20/a.parquet`),
    list(w.archive, `events/tenant=${tenant}/dt=2026-11-20/`),
    list(w.archive, `alerts/tenant=${tenant}/`),
    get(w.resultsBucket, `${p.resultsPrefix}q-1.csv`),
    { action: 's3:PutObject', resource: obj(w.resultsBucket, `${p.resultsPrefix}q-1.csv`) },
    list(w.resultsBucket, p.resultsPrefix),
    ...ATHENA.map((action) => ({ action, resource: p.workGroupArn })),
    // With S3 Bucket Keys the encryption context is the bucket; without, the object.
    decrypt(w.mainKeyArn, { 'kms:ViaService': viaS3, 'kms:EncryptionContext:aws:s3:arn': w.archiveArn }),
    decrypt(w.mainKeyArn, { 'kms:ViaService': viaS3, 'kms:EncryptionContext:aws:s3:arn': obj(w.archive, `events/tenant=${tenant}/dt=2026-11-20/b.parquet`) }),
    decrypt(w.mainKeyArn, { 'kms:ViaService': viaS3, 'kms:EncryptionContext:aws:s3:arn': obj(w.resultsBucket, `${p.resultsPrefix}q-1.csv`) }),
    decrypt(w.mainKeyArn, { 'kms:ViaService': viaS3, 'kms:EncryptionContext:aws:s3:arn': `arn:aws:s3:::${w.resultsBucket}` }, 'kms:GenerateDataKey'),
    // `query --outputs` records its run in the tenant's access log: a new object only.
    get(w.archive, `access/tenant=${tenant}/dt=2026-11-20/r.json`),
    { action: 's3:PutObject', resource: obj(w.archive, `access/tenant=${tenant}/dt=2026-11-20/r.json`), context: { 's3:if-none-match': '*' } },
    decrypt(w.mainKeyArn, { 'kms:ViaService': viaS3, 'kms:EncryptionContext:aws:s3:arn': w.archiveArn }, 'kms:GenerateDataKey'),
  ];
}

/** What no auditor, tenant or operator, may do: secrets, direct KMS use, archive writes, internals. */
function neverAllowed(w: World): Request[] {
  return [
    ...w.secretArns.flatMap((arn) => [{ action: 'secretsmanager:GetSecretValue', resource: arn }, { action: 'secretsmanager:GetSecretValue', resource: `${arn}-Ab12Cd` }]),
    { action: 'secretsmanager:GetSecretValue', resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:anything-Ab12Cd` },
    decrypt(w.secretsKeyArn, { 'kms:ViaService': viaSecrets, 'kms:EncryptionContext:SecretARN': w.secretArns[0] ?? 'x' }),
    decrypt(w.secretsKeyArn, { 'kms:ViaService': viaS3, 'kms:EncryptionContext:aws:s3:arn': w.archiveArn }),
    decrypt(w.mainKeyArn, {}),
    decrypt(w.mainKeyArn, { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` }),
    // The access log: never a write over an existing record, never a delete.
    ...w.config.tenants.flatMap(({ id }) => [
      { action: 's3:PutObject', resource: obj(w.archive, `access/tenant=${id}/dt=2026-11-20/r.json`) },
      { action: 's3:DeleteObject', resource: obj(w.archive, `access/tenant=${id}/dt=2026-11-20/r.json`) },
    ]),
    ...['s3:PutObject', 's3:DeleteObject', 's3:PutObjectRetention'].map((action) => ({ action, resource: obj(w.archive, `events/tenant=${w.config.tenants[0]!.id}/dt=2026-11-20/x.parquet`) })),
    get(w.archive, `quarantine/tenant=${w.config.tenants[0]!.id}/dt=2026-11-20/q.json`),
    get(w.archive, 'digests/2026-11-20.json'),
    list(w.archive, 'quarantine/'),
    list(w.archive, 'digests/'),
  ];
}

const refused = (statements: Statement[], reqs: Request[], who: string) => {
  const leaks = reqs.filter((q) => evaluate(statements, q) === 'allow');
  assert.deepEqual(leaks, [], `${who} is allowed what it must not be`);
};
const granted = (statements: Statement[], reqs: Request[], who: string) => {
  const missing = reqs.filter((q) => !allowed(statements, q));
  assert.deepEqual(missing, [], `${who} lacks what it needs`);
};

for (const [label, config] of [['the test config', TEST_CONFIG], ['tenant ids that prefix each other', PREFIX_CONFIG], ['the three-tenant example', EXAMPLE_CONFIG]] as const) {
  describe(`isolation of auditors (${label}), by evaluating the synthesized policies`, () => {
    let w: World;
    before(() => { w = world(config); });

    it('each tenant auditor can query its own workgroup and read its own events, alerts and results', () => {
      for (const [tenant, p] of w.tenants) granted(p.statements, ownAccess(w, tenant, p), `tenant ${tenant}`);
    });

    it('no tenant auditor reaches another tenant\'s events, alerts, results or workgroup', () => {
      let pairs = 0;
      for (const [a, pa] of w.tenants) {
        for (const [b, pb] of w.tenants) {
          if (a === b) continue;
          pairs++;
          const theirs = ownAccess(w, b, pb);
          refused(pa.statements, theirs.filter((q) => !q.action.startsWith('kms:') || q.context?.['kms:EncryptionContext:aws:s3:arn']?.includes('/')), `tenant ${a} → ${b}`);
          refused(pa.statements, [
            list(w.archive, `events/tenant=${b}/`), list(w.archive, `events/tenant=${b}`), list(w.archive, `alerts/tenant=${b}/dt=2026-11-20/`),
          ], `tenant ${a} → ${b}`);
        }
      }
      assert.equal(pairs, w.tenants.size * (w.tenants.size - 1));
    });

    it('no tenant auditor lists the whole archive, reads the operator\'s results or uses its workgroup, or reads a secret', () => {
      for (const [a, pa] of w.tenants) {
        refused(pa.statements, [
          list(w.archive), list(w.archive, ''), list(w.archive, 'events/'), list(w.archive, 'alerts/'), list(w.archive, 'events/tenant='),
          list(w.resultsBucket), list(w.resultsBucket, ''), list(w.resultsBucket, w.operator.resultsPrefix),
          get(w.resultsBucket, `${w.operator.resultsPrefix}q-1.csv`),
          decrypt(w.mainKeyArn, { 'kms:ViaService': viaS3, 'kms:EncryptionContext:aws:s3:arn': obj(w.resultsBucket, `${w.operator.resultsPrefix}q-1.csv`) }),
          ...ATHENA.map((action) => ({ action, resource: w.operator.workGroupArn })),
          ...neverAllowed(w),
        ], `tenant ${a}`);
      }
    });

    it('the operator reads every tenant\'s events and alerts in its own workgroup, and no secret', () => {
      granted(w.operator.statements, [...w.tenants.keys()].flatMap((t) => ownAccess(w, t, w.operator)), 'operator');
      granted(w.operator.statements, [list(w.archive, 'events/'), list(w.archive, 'alerts/')], 'operator');
      refused(w.operator.statements, [...neverAllowed(w), ...[...w.tenants.values()].flatMap((p) => ATHENA.map((action) => ({ action, resource: p.workGroupArn })))], 'operator');
    });
  });

  describe(`secrets (${label}): a separate key, and each Lambda reads only the secrets of the sources it serves`, () => {
    let w: World;
    before(() => { w = world(config); });

    it('generated secrets (one per inline secret or credential) use the secrets key, not the data key', () => {
      const secrets = Object.values(w.s.templates.stateless.findResources('AWS::SecretsManager::Secret'));
      assert.equal(secrets.length, Object.keys((w.s.stateless as StatelessStack).collector.sourceSecrets).length);
      const stacks = { templates: [w.s.templates.stateful, w.s.templates.stateless] };
      for (const sec of secrets) assert.equal(resolve(sec.Properties.KmsKeyId, w.s.templates.stateless, stacks), w.secretsKeyArn);
      assert.notEqual(w.secretsKeyArn, w.mainKeyArn);
    });

    it('each tenant\'s webhook intake: its push sources\' secrets only; its poller: its pull credentials only; the rest: none', () => {
      const stateless = w.s.stateless as StatelessStack;
      const c = stateless.collector;
      const stacks = { templates: [w.s.templates.stateful, w.s.templates.stateless] };
      const arnOf = (id: string) => resolve(stateless.resolve(c.sourceSecrets[id]!.secretArn), w.s.templates.stateless, stacks) as string;
      const of = (tenant: string | null) => config.sources.filter((src) => tenant === null || src.tenant === tenant);
      const webhookOf = (tenant: string | null) => of(tenant).flatMap((src) => [
        ...(c.sourceSecrets[src.id] ? [arnOf(src.id)] : []),
        ...Object.entries(src.auth ?? {}).filter(([k]) => /Arn$/.test(k)).map(([, v]) => String(v)),
      ]);
      const pullOf = (tenant: string | null) => of(tenant).flatMap((src) => [
        ...Object.keys(c.sourceSecrets).filter((id) => id.startsWith(`${src.id}/`)).map(arnOf),
        ...Object.entries(src.pull ?? {}).filter(([k]) => /Arn$/.test(k)).map(([, v]) => String(v)),
      ]);
      const generatedWebhookOf = (tenant: string | null) => of(tenant).filter((src) => c.sourceSecrets[src.id]).map((src) => arnOf(src.id));
      const generatedPullOf = (tenant: string | null) => of(tenant).flatMap((src) => Object.keys(c.sourceSecrets).filter((id) => id.startsWith(`${src.id}/`)).map(arnOf));
      const [webhook, pull, generatedWebhook, generatedPull] = [webhookOf(null), pullOf(null), generatedWebhookOf(null), generatedPullOf(null)];
      const read = (arn: string): Request => ({ action: 'secretsmanager:GetSecretValue', resource: arn });
      const unwrap = (arn: string) => decrypt(w.secretsKeyArn, { 'kms:ViaService': viaSecrets, 'kms:EncryptionContext:SecretARN': arn });
      const others = [read(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:someone-else-Ab12Cd`), ...[...webhook, ...pull].map((arn) => read(arn.replace(/-[A-Za-z0-9]{6}$/, '-Qq99Qq')))]
        .filter((q) => !webhook.includes(q.resource) && !pull.includes(q.resource));
      const stmts = (fn: { node: { defaultChild?: unknown } }) => {
        const { statements, managed } = functionStatements(w.s.templates.stateless, logicalId(stateless, fn), stacks);
        assert.ok(managed.every((m) => /AWSLambdaBasicExecutionRole$/.test(m)), managed.join());
        return statements;
      };
      const everything = [...[...webhook, ...pull].map(read), ...others, ...[...generatedWebhook, ...generatedPull].map(unwrap), decrypt(w.secretsKeyArn, {})];

      let intakes = 0, pollers = 0;
      for (const { id: tenant } of config.tenants) {
        const f = c.tenantFunctions[tenant]!;
        const mine = { webhook: webhookOf(tenant), pull: pullOf(tenant), generatedWebhook: generatedWebhookOf(tenant), generatedPull: generatedPullOf(tenant) };
        if (f.intake) {
          intakes++;
          const ingest = stmts(f.intake);
          granted(ingest, [...mine.webhook.map(read), ...mine.generatedWebhook.map(unwrap)], `webhook intake of ${tenant}`);
          refused(ingest, [...[...webhook, ...pull].filter((a) => !mine.webhook.includes(a)).map(read), ...[...generatedWebhook, ...generatedPull].filter((a) => !mine.generatedWebhook.includes(a)).map(unwrap), ...others,
            decrypt(w.secretsKeyArn, {}), ...mine.generatedWebhook.map((arn) => decrypt(w.secretsKeyArn, { 'kms:EncryptionContext:SecretARN': arn }))], `webhook intake of ${tenant}`);
        } else assert.deepEqual(mine.webhook, [], `${tenant} has webhook secrets but no intake`);
        if (f.poller) {
          pollers++;
          const poller = stmts(f.poller);
          granted(poller, [...mine.pull.map(read), ...mine.generatedPull.map(unwrap)], `poller of ${tenant}`);
          refused(poller, [...[...webhook, ...pull].filter((a) => !mine.pull.includes(a)).map(read), ...[...generatedWebhook, ...generatedPull].filter((a) => !mine.generatedPull.includes(a)).map(unwrap), ...others, decrypt(w.secretsKeyArn, {})], `poller of ${tenant}`);
        } else assert.deepEqual(mine.pull, [], `${tenant} has pull credentials but no poller`);
      }
      assert.ok(intakes > 0 && (pollers > 0 || pull.length === 0), `${intakes} intakes, ${pollers} pollers`);

      for (const fn of [c.eventBridgeFunction, c.archiverFunction, c.detectorFunction, c.feedHealthFunction]) {
        const st = stmts(fn);
        refused(st, everything, fn.node.id);
        assert.ok(allowed(st, decrypt(w.mainKeyArn, {})), `${fn.node.id} still uses the data key`);
      }
      // The catch-all (health, unknown sources) reads no secret and stores nothing.
      refused(stmts(c.ingestFunction), [...everything, decrypt(w.mainKeyArn, {})], 'catch-all intake');
    });
  });
}

describe('policy-eval: the evaluator itself', () => {
  const st = (s: Partial<Statement>): Statement => ({ Effect: 'Allow', ...s });
  it('wildcards, conditions, explicit deny and absent condition keys', () => {
    const p = [
      st({ Action: 's3:Get*', Resource: 'arn:aws:s3:::b/events/tenant=a/*' }),
      st({ Action: 's3:ListBucket', Resource: 'arn:aws:s3:::b', Condition: { StringLike: { 's3:prefix': 'events/tenant=a/*' } } }),
      st({ Effect: 'Deny', Action: '*', Resource: 'arn:aws:s3:::b/events/tenant=a/secret*' }),
    ];
    assert.equal(evaluate(p, get('b', 'events/tenant=a/x')), 'allow');
    assert.equal(evaluate(p, { action: 'S3:GETOBJECT', resource: 'arn:aws:s3:::b/events/tenant=a/x' }), 'allow', 'actions are case-insensitive');
    assert.equal(evaluate(p, get('b', 'events/tenant=ab/x')), 'implicit-deny');
    assert.equal(evaluate(p, get('b', 'events/tenant=a/secret.txt')), 'deny');
    assert.equal(evaluate(p, list('b', 'events/tenant=a/')), 'allow');
    assert.equal(evaluate(p, list('b', 'events/tenant=b/')), 'implicit-deny');
    assert.equal(evaluate(p, list('b')), 'implicit-deny', 'a condition on an absent key does not hold');
    assert.equal(evaluate([st({ Action: 'kms:Decrypt', Resource: 'k?' })], { action: 'kms:Decrypt', resource: 'k1' }), 'allow');
    assert.equal(evaluate([st({ Action: 'kms:Decrypt', Resource: 'k?' })], { action: 'kms:Decrypt', resource: 'k12' }), 'implicit-deny');
    assert.throws(() => evaluate([st({ Action: '*', Resource: '*', Condition: { NumericLessThan: { x: '1' } } })], { action: 'a', resource: 'r' }), /not implemented/);
  });
});

describe('per-tenant auditing resources', () => {
  it('stack outputs name each tenant\'s auditor policy and workgroup, and the operator\'s', () => {
    const s = synth(PREFIX_CONFIG);
    const outputs = s.templates.stateful.toJSON().Outputs as Record<string, { Value: unknown; Description: string }>;
    for (const [key, tenant] of [['acme', 'acme'], ['acmeeu', 'acme-eu'], ['globex', 'globex']]) {
      assert.deepEqual(outputs[`AuditorWorkGroup${key}`]?.Value, `authtrail-${tenant}`);
      assert.match(outputs[`AuditorWorkGroup${key}`]!.Description, new RegExp(`tenant ${tenant}\\b`));
      assert.match(JSON.stringify(outputs[`AuditorPolicyArn${key}`]?.Value), /Tenant.*AuditorPolicy/);
    }
    assert.equal(outputs.OperatorWorkGroup?.Value, 'authtrail');
    assert.ok(outputs.OperatorPolicyArn?.Value);
  });

  it('tenant ids whose output names would collide, and more tenants than a stack holds, are one-line config errors', () => {
    const tenants = (ids: string[]) => ({ ...TEST_CONFIG, tenants: ids.map((id) => ({ id, name: id })), sources: [] });
    assert.throws(() => synth(parseConfig(tenants(['acme', 'acme-eu', 'acmeeu']))), /tenants "acme-eu" and "acmeeu" differ only in "-" or "_"/);
    assert.throws(() => synth(parseConfig(tenants(Array.from({ length: 40 }, (_, i) => `t${i}`)))), (e: Error) => e.name === 'ConfigError' && /40 tenants need \d+ resources .* more than the 500/.test(e.message) && !e.message.includes('\n'));
  });
});
