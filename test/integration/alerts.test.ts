/**
 * Detection through the local runtime: a push-bombing sequence posted over HTTP produces exactly
 * one alert line in alerts.ndjson (and an SNS publish); posting it again produces none. Alerts
 * land in the archive's `alerts` table; a source that stops delivering raises one feed-silence alert.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { fixture } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const SECRET = 'alerts-okta-secret';
const base = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events[1]!; // a push denial
const bombing = Array.from({ length: 4 }, (_, i) => ({ ...base, uuid: `bomb-${i}`, published: new Date(Date.UTC(2026, 10, 20, 10, 0, i * 30)).toISOString() }));

describe('alerts, end to end', () => {
  let c: TestCollector;
  let sqs: SQSClient;
  let queueUrl: string;
  before(async () => {
    c = await startCollector({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } }] });
    // A security team's subscription on the local SNS server: a queue, filtered to high and critical.
    const aws = { endpoint: c.endpoints.sns, region: c.endpoints.region, credentials: c.endpoints.credentials };
    sqs = new SQSClient(aws);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'soc-alerts' }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
    const sns = new SNSClient(aws);
    await sns.send(new SubscribeCommand({ TopicArn: c.endpoints.topicArn, Protocol: 'sqs', Endpoint: arn, Attributes: { FilterPolicy: JSON.stringify({ severity: ['high', 'critical'] }) } }));
    sns.destroy();
  });
  after(async () => { sqs?.destroy(); await c?.stop(); });

  const post = (events: unknown[]) => fetch(`${c.base}/v1/ingest/acme-okta`, { method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: JSON.stringify({ data: { events } }) }).then((r) => r.json());
  const lines = () => {
    const f = join(c.home, 'alerts.ndjson');
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) : [];
  };

  it('a push-bombing sequence raises exactly one MFA-fatigue alert', async () => {
    assert.deepEqual(await post(bombing), { accepted: 4, duplicates: 0, quarantined: 0 });
    assert.equal((await c.cli(['flush'])).code, 0);
    const alerts = lines();
    assert.equal(alerts.length, 1, JSON.stringify(alerts));
    const a = alerts[0]!;
    assert.deepEqual([a['rule'], a['severity'], a['tenant'], a['user']], ['mfa_fatigue', 'high', 'acme', 'bob@example.com']);
    for (const k of ['alert_id', 'first_event_time', 'last_event_time', 'count', 'summary', 'event_uids']) assert.ok(k in a, k);
    assert.match(c.output(), /authtrail alert: \{"alert_id"/, 'also on stdout');
    // Published to SNS with the filterable attributes.
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }));
    assert.equal(got.Messages?.length, 1);
    const envelope = JSON.parse(got.Messages![0]!.Body!) as { Message: string; MessageAttributes: Record<string, { Value: string }> };
    assert.deepEqual(JSON.parse(envelope.Message), a);
    assert.deepEqual(Object.fromEntries(Object.entries(envelope.MessageAttributes).map(([k, v]) => [k, v.Value])), { rule: 'mfa_fatigue', severity: 'high', tenant: 'acme' });
  });

  it('posting the same sequence again raises nothing', async () => {
    assert.deepEqual(await post(bombing), { accepted: 0, duplicates: 4, quarantined: 0 });
    assert.equal((await c.cli(['flush'])).code, 0);
    assert.equal(lines().length, 1);
  });

  it('the alert is stored in the archive and queryable as the alerts table', async () => {
    const q = await c.cli(['query', "SELECT rule, severity, \"user\", count, len(event_uids) AS uids, tenant, dt FROM alerts", '--json']);
    assert.equal(q.code, 0, q.stderr);
    const rows = q.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rows.length, 1, q.stdout);
    assert.deepEqual({ ...rows[0], count: Number(rows[0]!['count']), uids: Number(rows[0]!['uids']) },
      { rule: 'mfa_fatigue', severity: 'high', user: 'bob@example.com', count: 4, uids: 4, tenant: 'acme', dt: '2026-11-20' });
  });

  it('a source that goes silent past its expected gap raises one feed-silence alert', async () => {
    const check = (minutesAhead: number) => fetch(`${c.base}/_local/feeds/check?now=${new Date(Date.now() + minutesAhead * 60_000).toISOString()}`, { method: 'POST', headers: c.localHeaders() })
      .then((r) => r.json() as Promise<{ checks: { sourceId: string; silent: boolean }[]; raised: { rule: string }[] }>);
    const early = await check(30);
    assert.deepEqual([early.checks.map((x) => [x.sourceId, x.silent]), early.raised.length], [[['acme-okta', false]], 0]);
    const late = await check(90);
    assert.deepEqual(late.raised.map((a) => a.rule), ['feed_silence']);
    assert.equal((await check(120)).raised.length, 0, 'one alert per silence');
    const silence = lines().filter((a) => a['rule'] === 'feed_silence');
    assert.equal(silence.length, 1);
    assert.deepEqual([silence[0]!['tenant'], silence[0]!['user']], ['acme', '*']);
    assert.match(String(silence[0]!['summary']), /acme-okta delivered no events for 9\d min \(expected gap 60 min\)/);
    const filtered = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    assert.equal(filtered.Messages?.length ?? 0, 0, 'a medium alert does not pass the subscription\'s severity filter');
  });
});
