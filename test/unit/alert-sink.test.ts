import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';
import { allSinks, archiveAlertStore, fileSink, snsSink } from '../../lambdas/adapters/alert-sink.ts';
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
  it('archive store: one KMS-encrypted Parquet object per tenant and day under alerts/, readable with the alerts columns', async () => {
    const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(s3);
    mock.on(PutObjectCommand).resolves({});
    const other = { ...alert, alert_id: 'g1', tenant: 'globex', rule: 'lockout_burst' as const, user: '*', event_uids: [] };
    const n = await archiveAlertStore({ s3, bucket: 'archive', kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/k' }).store([alert, { ...alert, alert_id: 'a2' }, other]);
    assert.equal(n, 2);
    const puts = mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    assert.deepEqual(puts.map((p) => p.Key!.replace(/alerts-[0-9a-f]{32}/, 'alerts-<hash>')).sort(), [
      'alerts/tenant=acme/dt=2026-11-20/alerts-<hash>.parquet', 'alerts/tenant=globex/dt=2026-11-20/alerts-<hash>.parquet']);
    for (const p of puts) assert.deepEqual([p.Bucket, p.ServerSideEncryption, p.SSEKMSKeyId], ['archive', 'aws:kms', 'arn:aws:kms:us-east-1:123456789012:key/k']);
    const file = join(mkdtempSync(join(tmpdir(), 'authtrail-alerts-pq-')), 'a.parquet');
    writeFileSync(file, puts.find((p) => p.Key!.includes('acme'))!.Body as Uint8Array);
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    const rows = (await c.runAndReadAll(`SELECT alert_id, rule, "user", count::INTEGER AS n, first_event_time::VARCHAR AS t, event_uids, typeof(event_uids) AS ty FROM read_parquet('${file}') ORDER BY alert_id`)).getRowObjectsJson();
    assert.deepEqual(rows.map((r) => [r['alert_id'], r['rule'], r['user'], r['n'], r['t'], r['event_uids'], r['ty']]), [
      ['a1b2c3', 'mfa_fatigue', 'bob@example.com', 3, '2026-11-20 10:00:00', alert.event_uids, 'VARCHAR[]'],
      ['a2', 'mfa_fatigue', 'bob@example.com', 3, '2026-11-20 10:00:00', alert.event_uids, 'VARCHAR[]'],
    ]);
    c.closeSync();
  });
});
