/**
 * SIEM forwarding end to end, locally: the real collector (`authtrail dev`) forwards tenant acme's
 * new events from the hot table's stream to a fake Splunk HTTP Event Collector on 127.0.0.1, and
 * tenant globex's nowhere. The fake checks `Authorization: Splunk <token>`, parses the body as HEC
 * does (one JSON event object after another), and answers its first request 503 (server busy) to
 * prove the retry: every acme event arrives at least once, with its dedup key, and no globex event.
 * The same server also plays an HTTPS destination of acme's that takes OCSF as NDJSON.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const TOKEN = '11111111-2222-3333-4444-555555555555';
const LAKE_KEY = 'lake-api-key';
const ACME_SECRET = 'acme-generic-secret';
const GLOBEX_SECRET = 'globex-generic-secret';

interface HecEvent { time: number; host: string; source: string; sourcetype: string; index?: string; fields: { authtrail_uid: string; tenant: string }; event: Record<string, unknown> }

/** A fake HEC: `/services/collector/event` only, the token checked, 503 for the first request. */
function fakeHec() {
  const received: HecEvent[] = [];
  const answers: number[] = [];
  const bodies: string[] = [];
  /** What the HTTPS destination (`/lake`, NDJSON, Bearer token) received. */
  const lake: { authtrail_uid: string; tenant: string; format: string; event: Record<string, unknown> }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (req.url === '/lake') {
        const ok = req.method === 'POST' && req.headers.authorization === `Bearer ${LAKE_KEY}` && req.headers['content-type'] === 'application/x-ndjson';
        if (ok) lake.push(...body.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)));
        return res.writeHead(ok ? 202 : 401).end();
      }
      const answer = (status: number, text: string, code: number) => {
        answers.push(status);
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ text, code }));
      };
      if (req.method !== 'POST' || req.url !== '/services/collector/event') return answer(404, 'The requested URL was not found on this server.', 404);
      if (req.headers.authorization !== `Splunk ${TOKEN}`) return answer(403, 'Invalid token', 4);
      if (!req.headers['x-splunk-request-channel']) return answer(400, 'Data channel is missing', 10);
      bodies.push(body);
      if (answers.length === 0) return answer(503, 'Server is busy', 9);
      let events: HecEvent[];
      try {
        events = body.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as HecEvent);
      } catch {
        return answer(400, 'Invalid data format', 6);
      }
      if (!events.length || events.some((e) => typeof e.event !== 'object' || typeof e.time !== 'number')) return answer(400, 'Event field is required', 12);
      received.push(...events);
      answer(200, 'Success', 0);
    });
  });
  return { server, received, answers, bodies, lake };
}

const events = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({
  event_uid: `${prefix}-${i}`, event_time: new Date(Date.UTC(2026, 10, 20, 9, 0, i)).toISOString(),
  category: i % 3 === 0 ? 'mfa_verify' : 'login', outcome: i % 4 === 0 ? 'failure' : 'success', is_mfa: i % 3 === 0, factor: i % 3 === 0 ? 'push' : null,
  user_login: `user${i}@${prefix}.example.com`, src_ip: `198.51.100.${i + 1}`,
}));

describe('SIEM forwarding to a (fake) Splunk HEC', () => {
  let c: TestCollector;
  const hec = fakeHec();
  before(async () => {
    await new Promise<void>((r) => hec.server.listen(0, '127.0.0.1', () => r()));
    const port = (hec.server.address() as AddressInfo).port;
    c = await startCollector({
      tenants: [
        { id: 'acme', name: 'Acme', forward: [
          { type: 'splunk-hec', url: `http://127.0.0.1:${port}`, token: TOKEN, index: 'auth', batchSize: 10 },
          { type: 'https', id: 'lake', url: `http://127.0.0.1:${port}/lake`, token: LAKE_KEY, format: 'ocsf' },
        ] },
        { id: 'globex', name: 'Globex' },
      ],
      sources: [
        { id: 'acme-app', tenant: 'acme', kind: 'generic', auth: { type: 'shared-secret', header: 'authorization', secret: ACME_SECRET } },
        { id: 'globex-app', tenant: 'globex', kind: 'generic', auth: { type: 'shared-secret', header: 'authorization', secret: GLOBEX_SECRET } },
      ],
    });
  });
  after(async () => {
    await c?.stop();
    await new Promise<void>((r) => hec.server.close(() => r()));
  });

  it('forwards exactly acme\'s events, each at least once with its dedup key, after a 503; none of globex\'s', async () => {
    const send = async (source: string, secret: string, body: unknown) => {
      const res = await fetch(`${c.base}/v1/ingest/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: secret }, body: JSON.stringify(body) });
      assert.equal(res.status, 200, await res.clone().text());
      return res.json();
    };
    // globex first: by the time all of acme's have arrived, globex's were read from the stream too.
    assert.deepEqual(await send('globex-app', GLOBEX_SECRET, events('globex', 12)), { accepted: 12, duplicates: 0, quarantined: 0 });
    const acme = events('acme', 25);
    assert.deepEqual(await send('acme-app', ACME_SECRET, acme), { accepted: 25, duplicates: 0, quarantined: 0 });
    // A redelivery stores nothing new and forwards nothing new (the stream sees no INSERT).
    assert.deepEqual(await send('acme-app', ACME_SECRET, acme.slice(0, 5)), { accepted: 0, duplicates: 5, quarantined: 0 });

    const want = acme.map((e) => `acme-app#${e.event_uid}`).sort();
    const got = () => [...new Set(hec.received.map((e) => e.fields.authtrail_uid))].sort();
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && got().length < want.length) await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(got(), want, c.output().slice(-2000));
    // Whatever was still in flight has settled.
    await new Promise((r) => setTimeout(r, 1500));

    assert.equal(hec.answers[0], 503, 'the first request was refused as busy');
    assert.ok(hec.answers.slice(1).every((s) => s === 200), `answers ${hec.answers.join(',')}`);
    assert.ok(hec.bodies.slice(1).includes(hec.bodies[0]!), 'the refused batch was sent again');
    assert.ok(hec.received.every((e) => e.fields.tenant === 'acme' && e.event['tenant'] === 'acme'), 'only acme\'s events');
    assert.ok(!JSON.stringify(hec.received).includes('globex'), 'nothing of globex');
    assert.ok(hec.received.every((e) => (e.event as { event_uid?: string }).event_uid && e.index === 'auth' && e.sourcetype === '_json' && e.source === 'acme-app'));
    const first = hec.received.find((e) => e.event['event_uid'] === 'acme-0')!;
    assert.equal(first.time, Date.parse('2026-11-20T09:00:00.000Z') / 1000);
    assert.equal(first.event['user_login'], 'user0@acme.example.com');
    assert.ok(hec.bodies.every((b) => b.split('\n').filter(Boolean).length <= 10), 'batchSize 10');

    // The HTTPS destination got the same events as OCSF Authentication events, in its envelope.
    assert.deepEqual([...new Set(hec.lake.map((r) => r.authtrail_uid))].sort(), want);
    assert.ok(hec.lake.every((r) => r.tenant === 'acme' && r.format === 'ocsf' && r.event['class_uid'] === 3002 && (r.event['metadata'] as { tenant_uid: string }).tenant_uid === 'acme'));
  });
});
