/**
 * `operations` in the config: every alarm notifies the on-call topic, alert subscriptions are
 * deployed with their tenant and severity filters, the dashboard is an output; cdk-nag stays clean.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lambdas/core/config.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { DLQS, OUTPUT_KEYS, pollerOutputKey } from '../../cli/outputs.ts';
import { ACCOUNT, evaluate, managedPolicyStatements, REGION } from './policy-eval.ts';

const withOperations = (operations: unknown) => parseConfig({
  tenants: TEST_CONFIG.tenants,
  sources: TEST_CONFIG.sources,
  operations,
}, 'test');

describe('infra: operations (alarm actions, alert subscriptions)', () => {
  let s: Synth;
  before(() => {
    s = synth(withOperations({
      alarmEmail: 'oncall@example.com',
      alertSubscriptions: [
        { protocol: 'email', endpoint: 'soc-acme@example.com', tenants: ['acme'], minSeverity: 'high' },
        { protocol: 'https', endpoint: 'https://siem.example.com/authtrail' },
      ],
    }));
  });

  it('every alarm notifies the alarm topic when it fires and when it clears', () => {
    const t = s.templates.stateless;
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmActions?: unknown[]; OKActions?: unknown[] } }[];
    assert.ok(alarms.length >= 10, `${alarms.length} alarms`);
    const topics = Object.keys(t.findResources('AWS::SNS::Topic', { Properties: { DisplayName: 'authtrail alarms' } }));
    assert.equal(topics.length, 1);
    for (const a of alarms) {
      assert.deepEqual(a.Properties.AlarmActions, [{ Ref: topics[0] }]);
      assert.deepEqual(a.Properties.OKActions, [{ Ref: topics[0] }]);
    }
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: topics[0] } });
  });

  it('alert subscriptions carry their tenant and minimum-severity filters', () => {
    const t = s.templates.stateless;
    t.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email', Endpoint: 'soc-acme@example.com',
      FilterPolicy: { tenant: ['acme'], severity: ['high', 'critical'] },
    });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: 'https://siem.example.com/authtrail', FilterPolicy: Match.absent() });
  });

  it('the dashboard URL is a stack output', () => {
    const outputs = s.templates.stateless.findOutputs('DashboardUrl');
    assert.equal(Object.keys(outputs).length, 1);
    assert.match(JSON.stringify(outputs), /cloudwatch\/home\?region=.*#dashboards:name=/);
  });

  it('an existing on-call topic is used as is', () => {
    const t = synth(withOperations({ alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:oncall' })).templates.stateless;
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmActions?: unknown[] } }[];
    for (const a of alarms) assert.deepEqual(a.Properties.AlarmActions, ['arn:aws:sns:us-east-1:123456789012:oncall']);
  });

  it('cdk-nag: no unacknowledged finding with operations configured', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });
});

describe('config: operations', () => {
  const base = { tenants: [{ id: 'acme', name: 'Acme' }], sources: [] };
  it('refuses both alarm targets, bad endpoints and unknown tenants, naming the field', () => {
    assert.throws(() => parseConfig({ ...base, operations: { alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:t', alarmEmail: 'a@example.com' } }, 't'), /alarmTopicArn or alarmEmail/);
    assert.throws(() => parseConfig({ ...base, operations: { alertSubscriptions: [{ protocol: 'https', endpoint: 'http://insecure.example.com' }] } }, 't'), /alertSubscriptions\.0\.endpoint: not a valid https endpoint/);
    assert.throws(() => parseConfig({ ...base, operations: { alertSubscriptions: [{ protocol: 'email', endpoint: 'x@example.com', tenants: ['nosuch'] }] } }, 't'), /operations\.alertSubscriptions\.0\.tenants\.0: unknown tenant "nosuch"/);
    assert.throws(() => parseConfig({ ...base, operations: { alarmTopicArn: 'not-an-arn' } }, 't'), /expected an sns ARN/);
  });
});

describe('infra: what the operator commands need (--outputs)', () => {
  let s: Synth;
  before(() => { s = synth(); });
  it('outputs every name the CLI reads from cdk-outputs.json', () => {
    const keys = [...Object.keys(s.templates.stateful.toJSON().Outputs ?? {}), ...Object.keys(s.templates.stateless.toJSON().Outputs ?? {})];
    // The poller is per tenant: `PollerFunctionName<tenant>` for each tenant with pull sources. The
    // forwarder exists only when a tenant forwards (test/infra/forwarder.test.ts checks its outputs).
    const pollers = ['acme', 'globex'].map(pollerOutputKey);
    for (const k of [...Object.values(OUTPUT_KEYS).filter((k) => k !== OUTPUT_KEYS.pollerFunction), ...pollers, ...Object.values(DLQS).filter((d) => d !== DLQS.forwarder).map((d) => d.url)]) assert.ok(keys.includes(k), `output ${k}`);
    assert.deepEqual(keys.filter((k) => k.startsWith(OUTPUT_KEYS.pollerFunction)).sort(), pollers);
  });
  it('the operator-commands policy allows the commands and nothing that could alter the evidence', () => {
    const stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    const id = Object.keys(s.templates.stateless.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('operator commands') } }))[0]!;
    const st = managedPolicyStatements(s.templates.stateless, id, stacks);
    const bucket = `arn:aws:s3:::authtrail-archive-${ACCOUNT}-${REGION}`;
    const ok = (action: string, resource: string, context?: Record<string, string>) => assert.equal(evaluate(st, { action, resource, ...(context ? { context } : {}) }), 'allow', `${action} ${resource}`);
    const no = (action: string, resource: string) => assert.notEqual(evaluate(st, { action, resource }), 'allow', `${action} ${resource}`);
    ok('s3:GetObject', `${bucket}/events/tenant=acme/dt=2026-11-20/part-1.parquet`);
    ok('s3:GetObject', `${bucket}/digests/tenant=acme/x.json`);
    ok('s3:DeleteObject', `${bucket}/quarantine/2026-11-20/x.json`);
    ok('s3:ListBucket', bucket, { 's3:prefix': 'events/tenant=acme/' });
    no('s3:DeleteObject', `${bucket}/events/tenant=acme/dt=2026-11-20/part-1.parquet`);
    no('s3:PutObject', `${bucket}/events/tenant=acme/dt=2026-11-20/part-1.parquet`);
    no('s3:PutObject', `${bucket}/digests/tenant=acme/x.json`);
    no('dynamodb:DeleteItem', `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/anything`);
    assert.ok(st.some((x) => [x.Action].flat().includes('lambda:InvokeFunction')));
  });
});
