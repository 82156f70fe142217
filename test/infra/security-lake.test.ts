/**
 * The optional OCSF export to Amazon Security Lake (`ocsf.securityLake`): nothing when the option
 * is absent; otherwise the daily exporter, whose role — evaluated statement by statement — reads
 * only the archive's events/ and writes only the configured sources' prefixes of the Security Lake
 * bucket; the custom source registrations (CreateCustomLogSource on create, DeleteCustomLogSource
 * on delete, the crawler role and provider identity the API requires, the documented caller
 * permissions); the outputs; cdk-nag; and a bundle that fits a Lambda.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig, type Config } from '../../lambdas/core/config.ts';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { allowed, functionStatements, REGION, ACCOUNT, resolve, type Request, type Statement } from './policy-eval.ts';

const LAKE = 'aws-security-data-lake-eu-west-1-abc123';
const ARCHIVE = `authtrail-archive-${ACCOUNT}-${REGION}`;
const LAKE_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1111-2222`;
const withLake = (lake: Record<string, unknown>): Config => parseConfig({ ...TEST_CONFIG, ocsf: { securityLake: lake } }, 'test');
const EXPORTER = '^Export the archive as OCSF';

describe('infra: OCSF export to Security Lake, off by default', () => {
  it('creates nothing when ocsf.securityLake is absent', () => {
    const t = synth().templates.stateless;
    assert.deepEqual(Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(EXPORTER) } })), []);
    assert.deepEqual(Object.keys(t.findResources('Custom::SecurityLakeCustomLogSource')), []);
    assert.deepEqual(Object.keys(t.findOutputs('OcsfExporterFunctionName')), []);
    assert.ok(!JSON.stringify(t.toJSON()).includes('securitylake'));
  });
  it('the config refuses what Security Lake would refuse, naming the field', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ bucketName: LAKE, sources: { authentication: 'a-name-longer-than-twenty' } }, /ocsf\.securityLake\.sources\.authentication/],
      [{ bucketName: LAKE, sources: { authentication: 'same', account_change: 'same' } }, /its own source name/],
      [{ bucketName: LAKE, sources: { authentication: false, account_change: false, entity_management: false, user_access: false, group_management: false } }, /every class is turned off/],
      [{ bucketName: 'Not_A_Bucket' }, /ocsf\.securityLake\.bucketName/],
      [{ bucketName: LAKE, prefix: 'ext' }, /ocsf\.securityLake\.prefix/],
      [{ bucketName: LAKE, accountId: '1234' }, /ocsf\.securityLake\.accountId/],
    ];
    for (const [lake, message] of bad) assert.throws(() => withLake(lake), message, JSON.stringify(lake));
  });
});

describe('infra: OCSF export to Security Lake', () => {
  let s: Synth;
  let fnId: string;
  let statements: Statement[];
  let managed: string[];
  let keyArn: string;
  const cfg = withLake({ bucketName: LAKE, kmsKeyArn: LAKE_KEY, sources: { group_management: false, user_access: 'authtrail-priv' } });
  const lakeObj = (key: string) => `arn:aws:s3:::${LAKE}/${key}`;
  before(() => {
    s = synth(cfg);
    const t = s.templates.stateless;
    const fns = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(EXPORTER) } }));
    assert.equal(fns.length, 1);
    fnId = fns[0]!;
    const stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    ({ statements, managed } = functionStatements(t, fnId, stacks));
    const storage = (s.stateful as StatefulStack).storage;
    keyArn = resolve({ 'Fn::GetAtt': [s.stateful.getLogicalId(storage.key.node.defaultChild as CfnElement), 'Arn'] }, s.templates.stateful, stacks) as string;
  });

  it('Node 24 on arm64, 15 minutes, the target and tenants in its environment, daily at 02:15 UTC, an output', () => {
    const t = s.templates.stateless;
    const fn = t.findResources('AWS::Lambda::Function')[fnId]!.Properties as { Runtime: string; Architectures: string[]; Timeout: number; Environment: { Variables: Record<string, unknown> } };
    assert.deepEqual([fn.Runtime, fn.Architectures, fn.Timeout], ['nodejs24.x', ['arm64'], 900]);
    assert.equal(fn.Environment.Variables['AUTHTRAIL_TENANTS'], '["acme","globex"]');
    const target = JSON.parse(String(resolve(fn.Environment.Variables['AUTHTRAIL_OCSF_TARGET'], t, { templates: [t] }))) as Record<string, unknown>;
    assert.deepEqual(target, {
      bucket: LAKE, prefix: 'ext/', region: REGION, accountId: ACCOUNT, lookbackDays: 7,
      sources: { authentication: 'authtrail-auth', account_change: 'authtrail-account', entity_management: 'authtrail-entity', user_access: 'authtrail-priv' },
    });
    const schedules = Object.values(t.findResources('AWS::Scheduler::Schedule')).map((r) => (r as { Properties: { ScheduleExpression: string; Target: { Arn: unknown; Input: string } } }).Properties)
      .filter((p) => JSON.stringify(p.Target.Arn).includes(fnId));
    assert.deepEqual(schedules.map((p) => [p.ScheduleExpression, p.Target.Input]), [['cron(15 2 * * ? *)', '{}']]);
    assert.deepEqual(Object.keys(t.findOutputs('OcsfExporterFunctionName')), ['OcsfExporterFunctionName']);
    const alarms = Object.entries(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => /OcsfExportAlarm/.test(id));
    assert.equal(alarms.length, 1);
    assert.equal((alarms[0]![1] as { Properties: { TreatMissingData: string } }).Properties.TreatMissingData, 'breaching');
  });

  it('its role reads only the archive\'s events/ and writes only the configured sources\' prefixes of the Security Lake bucket', () => {
    const can = (r: Request) => allowed(statements, r);
    // The archive: events/ only, read only.
    assert.ok(can({ action: 's3:GetObject', resource: `arn:aws:s3:::${ARCHIVE}/events/tenant=acme/dt=2026-11-20/p.parquet` }));
    for (const prefix of ['events/', 'events/tenant=acme/dt=2026-11-20/']) assert.ok(can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, context: { 's3:prefix': prefix } }), prefix);
    for (const key of ['digests/tenant=acme/x.json', 'quarantine/tenant=acme/x.json', 'alerts/tenant=acme/dt=2026-11-20/a.parquet'])
      assert.ok(!can({ action: 's3:GetObject', resource: `arn:aws:s3:::${ARCHIVE}/${key}` }), key);
    for (const prefix of [undefined, '', 'digests/', 'quarantine/'])
      assert.ok(!can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, ...(prefix === undefined ? {} : { context: { 's3:prefix': prefix } }) }), String(prefix));
    assert.ok(can({ action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }));
    assert.ok(!can({ action: 'kms:Decrypt', resource: keyArn }), 'only through S3');

    // The lake: each configured source's prefix, nothing else.
    const day = 'region=eu-west-1/accountId=111122223333/eventDay=20261120/authtrail-acme.parquet';
    for (const src of ['authtrail-auth', 'authtrail-account', 'authtrail-entity', 'authtrail-priv']) {
      assert.ok(can({ action: 's3:PutObject', resource: lakeObj(`ext/${src}/${day}`) }), src);
      assert.ok(can({ action: 's3:GetObject', resource: lakeObj(`ext/${src}/${day}`) }), src);
    }
    for (const key of [`ext/authtrail-group/${day}`, `ext/other-vendor/${day}`, `aws/CLOUD_TRAIL_MGMT/2.0/${day}`, 'ext/authtrail-auth', `${day}`])
      assert.ok(!can({ action: 's3:PutObject', resource: lakeObj(key) }), key);
    assert.ok(can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${LAKE}` }), 'names, so a missing day answers 404');
    assert.ok(can({ action: 'kms:GenerateDataKey', resource: LAKE_KEY, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }));
    assert.ok(!can({ action: 'kms:Decrypt', resource: LAKE_KEY, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }));

    // No write, delete or policy change anywhere else.
    const writes = ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectAcl', 's3:PutBucketPolicy', 's3:PutLifecycleConfiguration'];
    const resources = ['*', `arn:aws:s3:::${ARCHIVE}`, `arn:aws:s3:::${LAKE}`, ...['events/x', 'digests/x', 'quarantine/x', 'alerts/x'].map((k) => `arn:aws:s3:::${ARCHIVE}/${k}`)];
    for (const action of writes) for (const resource of resources) assert.ok(!can({ action, resource }), `${action} ${resource}`);
    for (const action of ['s3:DeleteObject', 's3:PutObjectAcl', 's3:PutObjectRetention']) assert.ok(!can({ action, resource: lakeObj(`ext/authtrail-auth/${day}`) }), action);
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'securitylake:CreateCustomLogSource', 'iam:PassRole', 'sts:AssumeRole']) assert.ok(!can({ action, resource: '*' }), action);
    assert.deepEqual(managed.map((a) => a.replace(/^arn:aws:iam::aws:policy\//, '')), ['service-role/AWSLambdaBasicExecutionRole']);
  });

  it('registers one custom source per exported class: CreateCustomLogSource on create, DeleteCustomLogSource on delete', () => {
    const t = s.templates.stateless;
    const crs = Object.values(t.findResources('Custom::SecurityLakeCustomLogSource')).map((r) => (r as { Properties: { Create: unknown; Delete: unknown } }).Properties);
    const stacks = { templates: [s.templates.stateful, t] };
    type Call = { service: string; action: string; region: string; parameters: Record<string, unknown> & { sourceName: string }; physicalResourceId: { id: string } };
    const calls = crs.map((p) => ({ create: JSON.parse(String(resolve(p.Create, t, stacks))) as Call, del: JSON.parse(String(resolve(p.Delete, t, stacks))) as Call }));
    const crawler = Object.keys(t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'glue.amazonaws.com' } })] } } }));
    assert.equal(crawler.length, 1);
    const roleArn = resolve({ 'Fn::GetAtt': [crawler[0], 'Arn'] }, t, stacks);
    const byName = Object.fromEntries(calls.map((c) => [c.create.parameters.sourceName, c]));
    assert.deepEqual(Object.keys(byName).sort(), ['authtrail-account', 'authtrail-auth', 'authtrail-entity', 'authtrail-priv']);
    const want: Record<string, string[] | undefined> = { 'authtrail-auth': ['AUTHENTICATION'], 'authtrail-account': ['ACCOUNT_CHANGE'], 'authtrail-entity': ['ENTITY_MANAGEMENT_AUDIT'], 'authtrail-priv': undefined };
    for (const [name, c] of Object.entries(byName)) {
      assert.equal(c.create.service, 'SecurityLake');
      assert.equal(c.create.action, 'CreateCustomLogSource');
      assert.equal(c.create.region, REGION);
      assert.deepEqual(c.create.parameters.eventClasses, want[name], name);
      assert.deepEqual(c.create.parameters.configuration, { crawlerConfiguration: { roleArn }, providerIdentity: { principal: ACCOUNT, externalId: 'authtrail-authtrail' } });
      assert.equal(c.create.physicalResourceId.id, name);
      assert.deepEqual([c.del.action, c.del.parameters], ['DeleteCustomLogSource', { sourceName: name }]);
    }
    for (const cls of ['Authentication', 'AccountChange', 'EntityManagement', 'UserAccess']) assert.deepEqual(Object.keys(t.findOutputs(`SecurityLakeSource${cls}`)), [`SecurityLakeSource${cls}`]);
    assert.deepEqual(Object.keys(t.findOutputs('SecurityLakeSourceGroupManagement')), []);
  });

  it('the registration\'s role holds the documented caller permissions, scoped to this data lake, crawler role and sources', () => {
    const t = s.templates.stateless;
    const stacks = { templates: [s.templates.stateful, t] };
    const [provider] = Object.keys(t.findResources('AWS::Lambda::Function')).filter((id) => id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'));
    assert.ok(provider, 'the AwsCustomResource function');
    const st = functionStatements(t, provider!, stacks).statements;
    const can = (r: Request) => allowed(st, r);
    const dataLake = `arn:aws:securitylake:${REGION}:${ACCOUNT}:data-lake/default`;
    const [crawler] = Object.keys(t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'glue.amazonaws.com' } })] } } }));
    const crawlerArn = resolve({ 'Fn::GetAtt': [crawler, 'Arn'] }, t, stacks) as string;
    assert.ok(can({ action: 'securitylake:CreateCustomLogSource', resource: dataLake }));
    assert.ok(can({ action: 'securitylake:DeleteCustomLogSource', resource: dataLake }));
    assert.ok(!can({ action: 'securitylake:DeleteDataLake', resource: dataLake }));
    assert.ok(can({ action: 'iam:PassRole', resource: crawlerArn, context: { 'iam:PassedToService': 'glue.amazonaws.com' } }));
    assert.ok(!can({ action: 'iam:PassRole', resource: crawlerArn, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } }), 'only to Glue');
    assert.ok(!can({ action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/Admin`, context: { 'iam:PassedToService': 'glue.amazonaws.com' } }), 'only the crawler role');
    for (const action of ['glue:CreateCrawler', 'glue:CreateDatabase', 'glue:CreateTable', 'glue:StopCrawlerSchedule', 'lakeformation:RegisterResource', 'lakeformation:GrantPermissions'])
      assert.ok(can({ action, resource: '*' }), action);
    for (const action of ['iam:GetRole', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy']) {
      assert.ok(can({ action, resource: `arn:aws:iam::${ACCOUNT}:role/AmazonSecurityLake-Provider-authtrail-auth-${REGION}` }), action);
      assert.ok(!can({ action, resource: `arn:aws:iam::${ACCOUNT}:role/Admin` }), `${action} on another role`);
    }
    assert.ok(!can({ action: 'iam:CreateRole', resource: '*' }));
    assert.ok(can({ action: 's3:PutObject', resource: lakeObj('ext/authtrail-auth/x') }));
    assert.ok(!can({ action: 's3:PutObject', resource: lakeObj('ext/someone-else/x') }));
    for (const action of ['kms:CreateGrant', 'kms:DescribeKey', 'kms:GenerateDataKey']) assert.ok(can({ action, resource: LAKE_KEY }), action);
  });

  it('the crawler role: AWSGlueServiceRole and the sources\' prefixes, as the API reference recommends', () => {
    const t = s.templates.stateless;
    const [id, role] = Object.entries(t.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'glue.amazonaws.com' } })] } } }))[0]!;
    const stacks = { templates: [s.templates.stateful, t] };
    assert.deepEqual((resolve((role as { Properties: { ManagedPolicyArns: unknown } }).Properties.ManagedPolicyArns, t, stacks) as string[]), ['arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole']);
    const st = Object.values(t.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes(`"Ref":"${id}"`))
      .flatMap((p) => resolve((p as { Properties: { PolicyDocument: { Statement: unknown[] } } }).Properties.PolicyDocument.Statement, t, stacks) as Statement[]);
    assert.ok(allowed(st, { action: 's3:GetObject', resource: lakeObj('ext/authtrail-auth/region=eu-west-1/x.parquet') }));
    assert.ok(!allowed(st, { action: 's3:GetObject', resource: lakeObj('aws/CLOUD_TRAIL_MGMT/x.parquet') }));
  });

  it('register: false leaves the registration out, the exporter in', () => {
    const t = synth(withLake({ bucketName: LAKE, register: false })).templates.stateless;
    assert.deepEqual(Object.keys(t.findResources('Custom::SecurityLakeCustomLogSource')), []);
    assert.equal(Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp(EXPORTER) } })).length, 1);
  });

  it('cdk-nag: no unacknowledged finding', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });

  it('the exporter\'s bundle fits a Lambda (under 1.5 MB: DuckDB is not in it)', () => {
    const b = synth(cfg, { bundle: true });
    const outdir = b.app.synth().directory;
    const fn = b.templates.stateless.findResources('AWS::Lambda::Function')[fnId]!.Properties as { Code: { S3Key: string } };
    const file = join(outdir, `asset.${fn.Code.S3Key.replace(/\.zip$/, '')}`, 'index.mjs');
    // index.mjs and the chunks esbuild split off (infra/constructs/lambda.ts).
    const chunks = readdirSync(join(file, '..')).filter((f) => f.endsWith('.mjs')).map((f) => join(file, '..', f));
    const size = chunks.reduce((n, f) => n + statSync(f).size, 0);
    assert.ok(size < 1.5 * 1024 * 1024, `${size} bytes`);
    const text = chunks.map((f) => readFileSync(f, 'utf8')).join('\n');
    assert.ok(!text.includes('duckdb'), 'no DuckDB');
    assert.ok(readdirSync(join(file, '..')).every((f) => !f.endsWith('.node')), 'no native module');
  });
});
