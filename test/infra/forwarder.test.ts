/**
 * SIEM forwarding in AWS: one function on the hot table's stream, for forwarding tenants' new
 * events only, with bisection, retries and a KMS-encrypted DLQ with an alarm. Its role, evaluated:
 * it reads the stream and its destinations' secrets (a generated one for an inline token, a
 * referenced one by ARN) and nothing else: no source secret, no table item, no archive object, no
 * alert topic. No forward in the config: no forwarder at all.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lambdas/core/config.ts';
import type { StatefulStack } from '../../infra/stacks/stateful.ts';
import { DLQS } from '../../cli/outputs.ts';
import { nagFindings, synth, TEST_CONFIG, type Synth } from '../helpers/cdk.ts';
import { ACCOUNT, allowed, functionStatements, managedPolicyStatements, REGION, resolve, type Request, type Statement } from './policy-eval.ts';

const REFERENCED = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:globex-lake-key`;
const CONFIG = parseConfig({
  tenants: [
    { id: 'acme', name: 'Acme', forward: [{ type: 'splunk-hec', url: 'https://splunk.acme.example.com:8088', token: 'inline-hec-token-do-not-deploy', index: 'auth' }] },
    { id: 'globex', name: 'Globex', forward: [{ type: 'https', id: 'lake', url: 'https://lake.globex.example.com/in', tokenSecretArn: REFERENCED, format: 'ocsf' }] },
    { id: 'initech', name: 'Initech' },
  ],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'inline-webhook-secret' } },
    { id: 'globex-duo', tenant: 'globex', kind: 'duo', pull: { baseUrl: 'https://api-1.duosecurity.example.com', integrationKey: 'DIXXXXXXXXXXXXXXXXXX', secretKeySecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:globex-duo-skey` } },
  ],
}, 'test');

describe('infra: SIEM forwarding', () => {
  let s: Synth;
  let fnId: string;
  let statements: Statement[];
  let stacks: { templates: Synth['templates'][keyof Synth['templates']][] };
  const secretArn = (namePattern: string) => {
    const ids = Object.keys(s.templates.stateless.findResources('AWS::SecretsManager::Secret', { Properties: { Name: Match.stringLikeRegexp(namePattern) } }));
    assert.equal(ids.length, 1, namePattern);
    return resolve({ Ref: ids[0] }, s.templates.stateless, stacks) as string;
  };
  before(() => {
    s = synth(CONFIG);
    stacks = { templates: [s.templates.stateful, s.templates.stateless] };
    const fns = Object.keys(s.templates.stateless.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Forward new events') } }));
    assert.equal(fns.length, 1);
    fnId = fns[0]!;
    ({ statements } = functionStatements(s.templates.stateless, fnId, stacks));
  });

  it('Node 24 on arm64; outputs ForwarderFunctionName and ForwarderDlqUrl (authtrail redrive forwarder)', () => {
    s.templates.stateless.hasResourceProperties('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('^Forward new events'), Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 120 });
    for (const k of [DLQS.forwarder.fn, DLQS.forwarder.url]) assert.deepEqual(Object.keys(s.templates.stateless.findOutputs(k)), [k]);
  });

  it('the stream: INSERT records of forwarding tenants only, partial failures, bisect, 10 retries within 24 h, then the DLQ', () => {
    const t = s.templates.stateless;
    const mappings = Object.values(t.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => m.Properties.FunctionName.Ref === fnId);
    assert.equal(mappings.length, 1);
    const p = mappings[0]!.Properties;
    assert.deepEqual(JSON.parse(p.FilterCriteria.Filters[0].Pattern), { eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'acme#' }, { prefix: 'globex#' }] } } } });
    assert.deepEqual(p.FunctionResponseTypes, ['ReportBatchItemFailures']);
    assert.equal(p.BisectBatchOnFunctionError, true);
    assert.equal(p.MaximumRetryAttempts, 10);
    assert.equal(p.MaximumRecordAgeInSeconds, 86_400);
    assert.equal(p.StartingPosition, 'TRIM_HORIZON');
    const dlqId = p.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0];
    t.hasResource('AWS::SQS::Queue', Match.anyValue());
    const q = t.toJSON().Resources[dlqId];
    assert.equal(q.Type, 'AWS::SQS::Queue');
    assert.ok(q.Properties.KmsMasterKeyId, 'KMS-encrypted');
    assert.equal(q.Properties.MessageRetentionPeriod, 1_209_600);
    // The alarm on its depth names the runbook.
    const alarms = Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
    const dlqAlarm = alarms.find((a) => a.Dimensions?.some((d: { Value: { 'Fn::GetAtt'?: unknown[] } }) => d.Value['Fn::GetAtt']?.[0] === dlqId));
    assert.ok(dlqAlarm, 'an alarm on the forwarder DLQ');
    assert.equal(dlqAlarm.MetricName, 'ApproximateNumberOfMessagesVisible');
    assert.equal(dlqAlarm.Threshold, 0);
    assert.match(dlqAlarm.AlarmDescription, /Runbook: README, Forwarding to a SIEM; after the fix: authtrail redrive forwarder/);
    assert.ok(alarms.some((a) => a.MetricName === 'IteratorAge' && a.Dimensions?.some((d: { Value: { Ref?: string } }) => d.Value.Ref === fnId)), 'a lag alarm');
  });

  it('no inline token in the template; the generated secret is where the operator puts it', () => {
    for (const t of [s.templates.stateful, s.templates.stateless]) assert.doesNotMatch(JSON.stringify(t.toJSON()), /inline-hec-token-do-not-deploy/);
    const arn = secretArn('/forward/acme/splunk-hec$');
    // Its ARN is a stack output, as the source secrets' are.
    const out = s.templates.stateless.findOutputs('ForwardTokenSecretArnacmesplunkhec');
    assert.equal(resolve(Object.values(out)[0]!.Value, s.templates.stateless, stacks), arn);
  });

  it('its role reads the stream and exactly its destinations\' secrets; nothing else', () => {
    const can = (r: Request) => allowed(statements, r);
    const storage = (s.stateful as StatefulStack).storage;
    const id = (c: { node: { defaultChild?: unknown } }) => s.stateful.getLogicalId(c.node.defaultChild as CfnElement);
    const tableArn = resolve({ 'Fn::GetAtt': [id(storage.table), 'Arn'] }, s.templates.stateful, stacks) as string;
    const streamArn = resolve({ 'Fn::GetAtt': [id(storage.table), 'StreamArn'] }, s.templates.stateful, stacks) as string;
    const secretsKeyArn = resolve({ 'Fn::GetAtt': [id(storage.secretsKey), 'Arn'] }, s.templates.stateful, stacks) as string;
    for (const action of ['dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:DescribeStream']) assert.ok(can({ action, resource: streamArn }), action);
    const hec = secretArn('/forward/acme/splunk-hec$');
    for (const resource of [hec, REFERENCED, `${REFERENCED}-AbCdEf`]) assert.ok(can({ action: 'secretsmanager:GetSecretValue', resource }), resource);
    const via = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` };
    assert.ok(can({ action: 'kms:Decrypt', resource: secretsKeyArn, context: { ...via, 'kms:EncryptionContext:SecretARN': hec } }));
    // Source secrets (generated and referenced) and any other secret: refused.
    const webhook = secretArn('/source/acme-okta$');
    for (const resource of [webhook, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:globex-duo-skey`, `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:other-AbCdEf`, '*'])
      assert.ok(!can({ action: 'secretsmanager:GetSecretValue', resource }), resource);
    assert.ok(!can({ action: 'kms:Decrypt', resource: secretsKeyArn, context: { ...via, 'kms:EncryptionContext:SecretARN': webhook } }));
    assert.ok(!can({ action: 'kms:Decrypt', resource: secretsKeyArn }));
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem']) assert.ok(!can({ action, resource: tableArn }), action);
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:DeleteObject']) assert.ok(!can({ action, resource: `arn:aws:s3:::authtrail-archive-${ACCOUNT}-${REGION}/events/x` }), action);
    assert.ok(!can({ action: 'sns:Publish', resource: '*' }));
    // Whatever it may write is its own DLQ (the event source's failure destination).
    const writes = statements.filter((st) => st.Effect === 'Allow').flatMap((st) => [st.Action].flat()).filter((a): a is string => !!a && /:(Put|Send|Delete|Update|Create|Publish)/.test(a));
    assert.deepEqual([...new Set(writes)].sort(), ['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].filter((a) => writes.includes(a)));
    assert.ok(writes.includes('sqs:SendMessage'));
  });

  it('the operator commands may redrive its DLQ into it', () => {
    const t = s.templates.stateless;
    const [policyId] = Object.keys(t.findResources('AWS::IAM::ManagedPolicy', { Properties: { Description: Match.stringLikeRegexp('operator commands') } }));
    const op = managedPolicyStatements(t, policyId!, stacks);
    assert.ok(allowed(op, { action: 'lambda:InvokeFunction', resource: resolve({ 'Fn::GetAtt': [fnId, 'Arn'] }, t, stacks) as string }));
    const url = t.findOutputs(DLQS.forwarder.url)[DLQS.forwarder.url]!.Value as { Ref: string };
    assert.ok(allowed(op, { action: 'sqs:ReceiveMessage', resource: resolve({ 'Fn::GetAtt': [url.Ref, 'Arn'] }, t, stacks) as string }));
  });

  it('bundles: the forwarder\'s code carries its destinations without the inline token; no other function carries a destination', () => {
    const b = synth(CONFIG, { bundle: true });
    const outdir = b.app.synth().directory;
    // A bundle is its index.mjs and the chunks esbuild split off (infra/constructs/lambda.ts).
    const texts = readdirSync(outdir).filter((d) => d.startsWith('asset.')).map((a) => readdirSync(join(outdir, a)).filter((f) => f.endsWith('.mjs')).map((f) => readFileSync(join(outdir, a, f), 'utf8')).join('\n'));
    const mine = texts.filter((t) => t.includes('lake.globex.example.com'));
    assert.equal(mine.length, 1, 'only the forwarder knows the destinations');
    assert.ok(mine[0]!.includes('/forward/acme/splunk-hec'), 'the generated secret\'s name');
    assert.ok(mine[0]!.length < 1.5 * 1024 * 1024, `${mine[0]!.length} bytes`);
    for (const t of texts) assert.ok(!t.includes('inline-hec-token-do-not-deploy'));
  });

  it('cdk-nag: no unacknowledged finding', () => {
    assert.deepEqual(nagFindings(s.app, s.stateless), []);
  });

  it('no tenant forwards: no forwarder, no output', () => {
    assert.ok(TEST_CONFIG.tenants.every((t) => !t.forward));
    const none = synth();
    assert.deepEqual(Object.keys(none.templates.stateless.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^Forward new events') } })), []);
    assert.deepEqual(Object.keys(none.templates.stateless.findOutputs(DLQS.forwarder.url)), []);
  });
});
