/**
 * The scheduled archive verifier: its schedules, its alarm, and a role that can read the archive's
 * events and digests and the chain heads — proven by evaluating its policy statements — and can
 * write nothing anywhere.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lambdas/core/config.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { allowed, functionStatements, REGION, ACCOUNT, type Request, type Statement, storageArns } from './policy-eval.ts';

const ARCHIVE = `authtrail-archive-${ACCOUNT}-${REGION}`;
const obj = (key: string) => `arn:aws:s3:::${ARCHIVE}/${key}`;

describe('infra: the scheduled archive verifier', () => {
  let s: Synth;
  let fnId: string;
  let statements: Statement[];
  let managed: string[];
  let stateTableArn: string;
  let keyArn: string;
  let hotTableArn: string;
  let secretsKeyArn: string;
  before(() => {
    s = synth();
    const t = s.templates.stateless;
    const fns = Object.keys(t.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Verify the archive') } }));
    assert.equal(fns.length, 1);
    fnId = fns[0]!;
    const stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    ({ statements, managed } = functionStatements(t, fnId, stacks));
    ({ hotTable: hotTableArn, stateTable: stateTableArn, key: keyArn, secretsKey: secretsKeyArn } = storageArns(s, stacks));
  });

  it('Node 24 on arm64, the configured tenants, no config secrets compiled in, a 15-minute budget', () => {
    s.templates.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('^Verify the archive'),
      Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900, MemorySize: 1024,
      Environment: { Variables: Match.objectLike({ AUTHTRAIL_TENANTS: JSON.stringify(TEST_CONFIG.tenants.map((x) => x.id)), AUTHTRAIL_ARCHIVE_DAYS: String(TEST_CONFIG.retention.archiveDays), POWERTOOLS_METRICS_NAMESPACE: 'authtrail' }) },
    });
    assert.deepEqual(Object.keys(s.templates.stateless.findOutputs('VerifierFunctionName')), ['VerifierFunctionName']);
  });

  it('daily with the recent window (Monday to Saturday), weekly over everything (Sunday)', () => {
    const schedules = Object.values(s.templates.stateless.findResources('AWS::Scheduler::Schedule'))
      .map((r) => (r as { Properties: { ScheduleExpression: string; Target: { Arn: unknown; Input: string } } }).Properties)
      .filter((p) => JSON.stringify(p.Target.Arn).includes(fnId));
    assert.deepEqual(schedules.map((p) => [p.ScheduleExpression, JSON.parse(p.Target.Input)]).sort(), [
      ['cron(30 3 ? * MON-SAT *)', { days: 7 }],
      ['cron(30 3 ? * SUN *)', { full: true }],
    ]);
  });

  it('one alarm: a finding or a failed run within two days, or no run for two days (missing data breaches)', () => {
    const t = s.templates.stateless;
    const alarms = Object.entries(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => /ArchiveVerifyAlarm/.test(id));
    assert.equal(alarms.length, 1);
    const p = (alarms[0]![1] as { Properties: Record<string, unknown> }).Properties;
    assert.deepEqual([p['Threshold'], p['ComparisonOperator'], p['EvaluationPeriods'], p['TreatMissingData']], [0, 'GreaterThanThreshold', 1, 'breaching']);
    assert.match(String(p['AlarmDescription']), /Runbook: README, Operations.*authtrail verify --outputs <file> --tenant <t>/);
    const q = p['Metrics'] as { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Period: number; Stat: string } }[];
    assert.deepEqual(q.filter((m) => m.Expression).map((m) => [m.Expression, m.ReturnData ?? true]), [['MAX([findings, errors])', true]]);
    const stat = (id: string) => q.find((m) => m.Id === id)!.MetricStat!;
    assert.deepEqual([stat('findings').Metric.Namespace, stat('findings').Metric.MetricName, stat('findings').Metric.Dimensions, stat('findings').Stat, stat('findings').Period],
      ['authtrail', 'ArchiveVerifyFindings', [{ Name: 'service', Value: 'authtrail' }], 'Maximum', 172_800]);
    assert.deepEqual([stat('errors').Metric.Namespace, stat('errors').Metric.MetricName, stat('errors').Stat, stat('errors').Period], ['AWS/Lambda', 'Errors', 'Sum', 172_800]);
    assert.deepEqual(stat('errors').Metric.Dimensions, [{ Name: 'FunctionName', Value: { Ref: fnId } }]);
  });

  it('the alarm notifies the operations topic like every other alarm', () => {
    const t = synth(parseConfig({ ...TEST_CONFIG, operations: { alarmEmail: 'oncall@example.com' } }, 'test')).templates.stateless;
    const [topic] = Object.keys(t.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'authtrail alarms' } }));
    const [alarm] = Object.entries(t.findResources('AWS::CloudWatch::Alarm')).filter(([id]) => /ArchiveVerifyAlarm/.test(id));
    assert.deepEqual((alarm![1] as { Properties: Record<string, unknown> }).Properties['AlarmActions'], [{ Ref: topic }]);
    assert.deepEqual((alarm![1] as { Properties: Record<string, unknown> }).Properties['OKActions'], [{ Ref: topic }]);
  });

  it('reads events/ and digests/ and the chain heads; writes and deletes nothing anywhere', () => {
    const can = (r: Request) => allowed(statements, r);
    for (const key of ['events/tenant=acme/dt=2026-11-20/part-1.parquet', 'digests/tenant=globex/dt=2026-11-20/x.json'])
      assert.ok(can({ action: 's3:GetObject', resource: obj(key) }), key);
    for (const prefix of ['events/', 'digests/', 'events/tenant=acme/', 'digests/tenant=globex/'])
      assert.ok(can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, context: { 's3:prefix': prefix } }), prefix);
    assert.ok(can({ action: 'dynamodb:GetItem', resource: stateTableArn }));
    assert.ok(can({ action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }));
    assert.ok(can({ action: 'kms:Decrypt', resource: keyArn, context: { 'kms:ViaService': `dynamodb.${REGION}.amazonaws.com` } }));

    // Nothing beyond that: other prefixes, other tables, direct decryption.
    for (const key of ['quarantine/tenant=acme/x.json', 'alerts/tenant=acme/dt=2026-11-20/a.parquet'])
      assert.ok(!can({ action: 's3:GetObject', resource: obj(key) }), key);
    for (const prefix of [undefined, '', 'quarantine/', 'alerts/'])
      assert.ok(!can({ action: 's3:ListBucket', resource: `arn:aws:s3:::${ARCHIVE}`, ...(prefix === undefined ? {} : { context: { 's3:prefix': prefix } }) }), String(prefix));
    assert.ok(!can({ action: 'dynamodb:GetItem', resource: hotTableArn }));
    assert.ok(!can({ action: 'kms:Decrypt', resource: keyArn }));
    assert.ok(!can({ action: 'kms:Decrypt', resource: secretsKeyArn, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }), 'not the secrets key');

    const writes = ['s3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:PutBucketPolicy', 's3:PutLifecycleConfiguration'];
    const resources = ['*', `arn:aws:s3:::${ARCHIVE}`, ...['events/x', 'digests/x', 'quarantine/x', 'alerts/x'].map(obj)];
    for (const action of writes) for (const resource of resources) assert.ok(!can({ action, resource }), `${action} ${resource}`);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan'])
      for (const resource of [stateTableArn, hotTableArn, '*']) assert.ok(!can({ action, resource }), `${action} ${resource}`);
    for (const action of ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom', 'kms:CreateGrant'])
      assert.ok(!can({ action, resource: keyArn, context: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } }), action);
    // Only logging comes from a managed policy.
    assert.deepEqual(managed.map((a) => a.replace(/^arn:aws:iam::aws:policy\//, '')), ['service-role/AWSLambdaBasicExecutionRole']);
  });

  it('the dashboard has a row for its findings', () => {
    const [dash] = Object.values(s.templates.stateless.findResources('AWS::CloudWatch::Dashboard')) as { Properties: { DashboardBody: unknown } }[];
    const body = JSON.stringify(dash!.Properties.DashboardBody);
    assert.match(body, /Archive verification: findings/);
    assert.match(body, /ArchiveVerifyFindings/);
  });

  it('cdk-nag: no unacknowledged finding', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });
});
