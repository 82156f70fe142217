/**
 * Detection through the local runtime: a push-bombing sequence posted over HTTP produces exactly
 * one alert line in alerts.ndjson (and an SNS publish); posting it again produces none. Alerts
 * land in the archive's `alerts` table; a source that stops delivering raises one feed-silence alert.
 */
import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const SECRET = 'alerts-okta-secret';
const base = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events[1]!; // a push denial
const bombing = Array.from({ length: 4 }, (_, i) => ({ ...base, uuid: `bomb-${i}`, published: new Date(Date.UTC(2026, 10, 20, 10, 0, i * 30)).toISOString() }));

describe('alerts, end to end', () => {
  let c: TestCollector;
  before(async () => {
    c = await startCollector({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } }] });
  });
  after(async () => { await c?.stop(); });

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
    const check = (minutesAhead: number) => fetch(`${c.base}/_local/feeds/check?now=${new Date(Date.now() + minutesAhead * 60_000).toISOString()}`, { method: 'POST' })
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
  });
});
