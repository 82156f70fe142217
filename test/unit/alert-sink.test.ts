import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { allSinks, fileSink, snsSink } from '../../lambdas/adapters/alert-sink.ts';
import type { Alert } from '../../lambdas/core/detect/engine.ts';

const alert: Alert = {
  alert_id: 'a1b2c3', rule: 'mfa_fatigue', severity: 'high', tenant: 'acme', user: 'bob@example.com',
  first_event_time: '2026-11-20T10:00:00.000Z', last_event_time: '2026-11-20T10:06:00.000Z', count: 3,
  summary: '3 denied or unanswered push prompts within 10 min (MFA fatigue)', event_uids: ['acme-okta#d1', 'acme-okta#d2', 'acme-okta#d3'],
};

describe('alert sinks', () => {
  it('SNS: the alert JSON with rule, severity and tenant as message attributes', async () => {
    const sns = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(sns);
    mock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    await snsSink({ client: sns, topicArn: 'arn:aws:sns:us-east-1:123456789012:authtrail-alerts' }).publish([alert]);
    const input = mock.commandCalls(PublishCommand)[0]!.args[0].input;
    assert.equal(input.TopicArn, 'arn:aws:sns:us-east-1:123456789012:authtrail-alerts');
    assert.deepEqual(JSON.parse(input.Message!), alert);
    assert.deepEqual(input.MessageAttributes, {
      rule: { DataType: 'String', StringValue: 'mfa_fatigue' },
      severity: { DataType: 'String', StringValue: 'high' },
      tenant: { DataType: 'String', StringValue: 'acme' },
    });
  });
  it('a publishing failure is thrown, never swallowed', async () => {
    const sns = new SNSClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    mockClient(sns).on(PublishCommand).rejects(new Error('KMS.ThrottlingException'));
    await assert.rejects(snsSink({ client: sns, topicArn: 'arn:aws:sns:us-east-1:123456789012:t' }).publish([alert]), /Throttling/);
  });
  it('file sink: one JSON line per alert, and stdout', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'authtrail-alerts-')), 'alerts.ndjson');
    const logged: string[] = [];
    await allSinks(fileSink(file, (l) => logged.push(l))).publish([alert, { ...alert, alert_id: 'z9' }]);
    assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).alert_id), ['a1b2c3', 'z9']);
    assert.equal(logged.length, 2);
  });
});
