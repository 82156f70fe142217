/**
 * The scheduled archive compactor: its schedule, its alarm, the output `compact --outputs`
 * invokes, and a role — proven by evaluating its policy statements — that can read the archive,
 * write only staging copies, digests and merged objects, delete only by delete markers (never a
 * version, never past Object Lock), and move the chain heads.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lambdas/core/config.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { allowed, functionStatements, REGION, ACCOUNT, type Request, type Statement, storageArns } from './policy-eval.ts';

const ARCHIVE = `authtrail-archive-${ACCOUNT}-${REGION}`;
const obj = (key: string) => `arn:aws:s3:::${ARCHIVE}/${key}`;

function compactorOf(s: Synth) {
  const t = s.templates.stateless;
  const fns = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Compact the archive') } }));
  assert.equal(fns.length, 1);
  const stacks = { templates: [s.templates.stateful, s.templates.stateless] };
  return { fnId: fns[0]!, ...functionStatements(t, fns[0]!, stacks), stacks };
}

describe('infra: the scheduled archive compactor', () => {
  let s: Synth;
  let fnId: string;
  let statements: Statement[];
  let managed: string[];
  let stateTableArn: string;
  let hotTableArn: string;
  let keyArn: string;
  let secretsKeyArn: string;
  before(() => {
    s = synth();
    let stacks;
    ({ fnId, statements, managed, stacks } = compactorOf(s));
    ({ hotTable: hotTableArn, stateTable: stateTableArn, key: keyArn, secretsKey: secretsKeyArn } = storageArns(s, stacks));
  });

  it('Node 24 on arm64, 15 minutes, 10 GB (a merge group\'s rows), the tenants and the retention it needs; its name is an output for compact --outputs', () => {
    s.templates.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Compact the archive'), Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900, MemorySize: 10240,
      Environment: { Variables: Match.objectLike({ AUTHTRAIL_TENANTS: JSON.stringify(TEST_CONFIG.tenants.map((x) => x.id)), AUTHTRAIL_ARCHIVE_DAYS: String(TEST_CONFIG.retention.archiveDays) }) },
    });
    const out = s.templates.stateless.findOutputs('CompactorFunctionName');
    assert.deepEqual(Object.values(out).map((o) => (o as { Value: unknown }).Value), [{ Ref: fnId }]);
  });

  it('daily at 04:30 UTC with the default input; one alarm for failed runs', () => {
    const schedules = Object.values(s.templates.stateless.findResources('AWS::Scheduler::Schedule'))
      .map((r) => (r as { Properties: { ScheduleExpression: string; Target: { Arn: unknown; Input: string } } }).Properties)
      .filter((p) => JSON.stringify(p.Target.Arn).includes(fnId));
    assert.deepEqual(schedules.map((p) => [p.ScheduleExpression, JSON.parse(p.Target.Input)]), [['cron(30 4 * * ? *)', {}]]);
    const alarms = Object.entries(s.templates.stateless.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => /ArchiveCompactionAlarm/.test(id));
    assert.equal(alarms.length, 1);
    const p = (alarms[0]![1] as { Properties: Record<string, unknown> }).Properties;
    assert.deepEqual([p['MetricName'], p['Threshold'], p['ComparisonOperator']], ['Errors', 0, 'GreaterThanThreshold']);
  });

  it('reads the archive, writes staging copies, digests and compacted-* objects only, deletes without versions, moves the heads', () => {
    const can = (r: Request) => allowed(statements, r);
    for (const key of ['events/tenant=acme/dt=2026-11-20/part-1.parquet', 'digests/tenant=acme/dt=2026-11-20/x.json', 'compaction/tenant=acme/dt=2026-11-20/compacted-ab.r1.parquet'])
      assert.ok(can({ action: 's3:GetObject', resource: obj(key) }), key);
    for (const prefix of ['events/', 'events/tenant=acme/', 'digests/tenant=acme/', 'compaction/tenant=acme/'])
      assert.ok(can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, context: { 's3:prefix': prefix } }), prefix);
    for (const key of ['compaction/tenant=acme/dt=2026-11-20/compacted-ab.r1.parquet', 'digests/tenant=acme/dt=2026-11-22/d.json', 'events/tenant=acme/dt=2026-11-20/compacted-0123456789abcdef.parquet'])
      assert.ok(can({ action: 's3:PutObject', resource: obj(key) }), key);
    for (const key of ['events/tenant=acme/dt=2026-11-20/part-1.parquet', 'compaction/tenant=acme/dt=2026-11-20/compacted-ab.r1.parquet'])
      assert.ok(can({ action: 's3:DeleteObject', resource: obj(key) }), key);
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']) assert.ok(can({ action, resource: stateTableArn }), action);
    for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) assert.ok(can({ action, resource: keyArn, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }), action);

    // Not: overwrite an archiver's object, write elsewhere, touch versions or retention, other tables, the key directly.
    for (const key of ['events/tenant=acme/dt=2026-11-20/part-1.parquet', 'alerts/tenant=acme/dt=2026-11-20/a.parquet', 'quarantine/x.json'])
      assert.ok(!can({ action: 's3:PutObject', resource: obj(key) }), key);
    for (const key of ['digests/tenant=acme/dt=2026-11-20/x.json', 'alerts/tenant=acme/dt=2026-11-20/a.parquet', 'quarantine/x.json'])
      assert.ok(!can({ action: 's3:DeleteObject', resource: obj(key) }), key);
    for (const action of ['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention', 's3:PutObjectRetention', 's3:PutObjectLegalHold', 's3:PutBucketObjectLockConfiguration', 's3:PutLifecycleConfiguration', 's3:PutBucketPolicy'])
      for (const resource of [`arn:aws:s3:::${ARCHIVE}`, obj('events/tenant=acme/dt=2026-11-20/part-1.parquet'), obj('compaction/x')]) assert.ok(!can({ action, resource }), `${action} ${resource}`);
    for (const prefix of [undefined, '', 'alerts/', 'quarantine/'])
      assert.ok(!can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, ...(prefix === undefined ? {} : { context: { 's3:prefix': prefix } }) }), String(prefix));
    for (const action of ['dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:Query']) assert.ok(!can({ action, resource: stateTableArn }), action);
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem']) assert.ok(!can({ action, resource: hotTableArn }), action);
    assert.ok(!can({ action: 'kms:Decrypt', resource: keyArn }), 'only through S3 and DynamoDB');
    assert.ok(!can({ action: 'kms:Decrypt', resource: secretsKeyArn, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }), 'not the secrets key');
    assert.deepEqual(managed.map((a) => a.replace(/^arn:aws:iam::aws:policy\//, '')), ['service-role/AWSLambdaBasicExecutionRole']);
  });

  it('with Object Lock: the lock mode in its environment, and retention only on staging copies', () => {
    const locked = synth(parseConfig({ ...TEST_CONFIG, retention: { ...TEST_CONFIG.retention, objectLock: 'compliance' } }, 'test'));
    const c = compactorOf(locked);
    locked.templates.stateless.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Compact the archive'), Environment: { Variables: Match.objectLike({ AUTHTRAIL_OBJECT_LOCK: 'compliance' }) } });
    assert.ok(allowed(c.statements, { action: 's3:PutObjectRetention', resource: obj('compaction/tenant=acme/dt=2026-11-20/compacted-ab.r1.parquet') }));
    assert.ok(!allowed(c.statements, { action: 's3:PutObjectRetention', resource: obj('events/tenant=acme/dt=2026-11-20/part-1.parquet') }));
    for (const action of ['s3:DeleteObjectVersion', 's3:BypassGovernanceRetention']) assert.ok(!allowed(c.statements, { action, resource: obj('events/tenant=acme/dt=2026-11-20/part-1.parquet') }), action);
    assert.deepEqual(nagFindings(locked.app, locked.stateless), []);
  });

  it('the verifier and the operator commands can read the staging copies of a compaction in progress', () => {
    const t = s.templates.stateless;
    const [verifier] = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Verify the archive') } }));
    const v = functionStatements(t, verifier!, { templates: [s.templates.stateful, t] });
    assert.ok(allowed(v.statements, { action: 's3:GetObject', resource: obj('compaction/tenant=acme/dt=2026-11-20/compacted-ab.r1.parquet') }));
    assert.ok(!allowed(v.statements, { action: 's3:PutObject', resource: obj('compaction/x') }));
    const policy = JSON.stringify(Object.values(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('operator commands') } })));
    assert.match(policy, /compaction\/\*/);
  });

  it('cdk-nag: no unacknowledged finding', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });
});
