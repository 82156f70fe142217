/**
 * Investigations end to end on the local runtime: one person's Okta, Entra and in-house (generic)
 * events, whose identifiers differ in shape and case across vendors, form one timeline — through
 * `authtrail timeline` and through the investigation API with the local token; without the token
 * the API answers 401; another tenant's events never appear; a forged cursor is a 400.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCollector, type TestCollector } from '../helpers/collector.ts';
import { fixture } from '../helpers/fixtures.ts';

const SECRET = { acme: 'acme-timeline-secret', globex: 'globex-timeline-secret' };
const auth = (secret: string) => ({ type: 'shared-secret', header: 'authorization', secret });
const CONFIG = {
  tenants: [{ id: 'acme', name: 'Acme' }, { id: 'globex', name: 'Globex' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: auth(SECRET.acme) },
    { id: 'acme-entra', tenant: 'acme', kind: 'entra', auth: auth(SECRET.acme) },
    { id: 'acme-hr', tenant: 'acme', kind: 'generic', auth: auth(SECRET.acme) },
    { id: 'globex-okta', tenant: 'globex', kind: 'okta', auth: auth(SECRET.globex) },
  ],
};

const t0 = Date.now() - 60 * 60_000;
const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
const IP = '203.0.113.7';

type Okta = Record<string, unknown> & { actor: Record<string, unknown>; client: Record<string, unknown> };
function oktaBody(uuid: string, time: string, login: string, id: string, ip: string): string {
  const e = fixture<{ data: { events: Okta[] } }>('okta/event-hook.json').data.events[0]!;
  Object.assign(e, { uuid, published: time });
  Object.assign(e.actor, { id, alternateId: login });
  e.client['ipAddress'] = ip;
  return JSON.stringify({ eventType: 'com.okta.event_hook', data: { events: [e] } });
}
function entraBody(id: string, time: string, upn: string, ip: string): string {
  const r = fixture<{ records: (Record<string, unknown> & { properties: Record<string, unknown> })[] }>('entra/SignInLogs.json').records[0]!;
  Object.assign(r, { time, callerIpAddress: ip });
  Object.assign(r.properties, { id, createdDateTime: time, userPrincipalName: upn, userId: 'aa00nadia-0000-4000-8000-000000000001', ipAddress: ip });
  return JSON.stringify({ records: [r] });
}

interface Row { source_id: string; event_uid: string; event_time: string; tenant: string }

describe('investigations: a user\'s timeline across identity providers, locally', () => {
  let c: TestCollector;
  const ingest = async (source: string, secret: string, body: string) => {
    const r = await fetch(`${c.base}/v1/ingest/${source}`, { method: 'POST', headers: { authorization: secret, 'content-type': 'application/json' }, body });
    const j = await r.json() as { accepted: number; quarantined: number };
    assert.equal(r.status, 200);
    assert.deepEqual([j.accepted, j.quarantined], [1, 0], `${source}: ${JSON.stringify(j)}`);
  };
  const api = (path: string, headers: Record<string, string> = c.localHeaders()) => fetch(`${c.base}${path}`, { headers });

  before(async () => {
    c = await startCollector(CONFIG);
    // Okta knows her by a short login, Entra by a mixed-case UPN; the HR system carries both.
    await ingest('acme-hr', SECRET.acme, JSON.stringify([{ event_uid: 'hr-1', event_time: at(5), category: 'login', outcome: 'success', is_mfa: true, factor: 'push', user_email: 'nadia.ruiz@acme.example', user_login: 'NRuiz', src_ip: '198.51.100.9', app_name: 'VPN' }]));
    await ingest('acme-okta', SECRET.acme, oktaBody('a0f3b1c2-1111-11f1-9a4b-0000000000aa', at(10), 'nruiz', '00unadia', IP));
    await ingest('acme-entra', SECRET.acme, entraBody('e1a10001-0000-4000-8000-0000000000aa', at(20), 'Nadia.Ruiz@Acme.Example', IP));
    // Another tenant with a user of the same login and IP, newer than all of them.
    await ingest('globex-okta', SECRET.globex, oktaBody('a0f3b1c2-1111-11f1-9a4b-0000000000bb', at(30), 'nruiz', '00uother', IP));
  });
  after(async () => { await c?.stop(); });

  const timelineJson = async (args: string[]) => {
    const r = await c.cli(['timeline', ...args, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
  };

  it('authtrail timeline --user prints her Okta, Entra and HR events as one timeline, newest first', async () => {
    const r = await c.cli(['timeline', '--tenant', 'acme', '--user', 'Nadia.Ruiz@acme.example']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.match(lines[0]!, /^TIME\s+SOURCE\s+CATEGORY\s+OUTCOME\s+FACTOR\s+USER\s+IP\s+COUNTRY\s+APP$/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[1]), ['acme-entra', 'acme-okta', 'acme-hr']);
    assert.ok(!r.stdout.includes('globex'));
    assert.match(r.stderr, /matched as nadia\.ruiz@acme\.example, .*nruiz/);
    const rows = await timelineJson(['--tenant', 'acme', '--user', 'NADIA.RUIZ@ACME.EXAMPLE']);
    assert.deepEqual(rows.map((x) => x.source_id), ['acme-entra', 'acme-okta', 'acme-hr'], 'any case');
    assert.ok(rows.every((x) => x.tenant === 'acme'));
    // The limit the README states: aliases are found on the events of the keys searched, so her
    // Okta login alone leads to her Okta events only (no event under it names her email).
    assert.deepEqual((await timelineJson(['--tenant', 'acme', '--user', 'NRuiz'])).map((x) => x.source_id), ['acme-okta']);
  });

  it('the API with the local token returns the same events; without it 401', async () => {
    const cli = await timelineJson(['--tenant', 'acme', '--user', 'Nadia.Ruiz@acme.example']);
    const r = await api('/v1/tenants/acme/events?user=Nadia.Ruiz%40acme.example');
    assert.equal(r.status, 200);
    const page = await r.json() as { events: Row[]; next_cursor: string | null };
    assert.deepEqual(page.events.map((e) => e.event_uid), cli.map((e) => e.event_uid));
    assert.equal(page.next_cursor, null);
    for (const path of ['/v1/tenants/acme/events?user=nruiz', '/v1/tenants/acme/summary', '/v1/tenants/acme/alerts', '/v1/tenants/nope/events']) {
      assert.equal((await api(path, {})).status, 401, path);
      assert.equal((await api(path, { 'x-authtrail-local-token': 'wrong' })).status, 401, path);
    }
    assert.equal((await api('/v1/tenants/nope/events?user=x')).status, 404);
    assert.equal((await api('/v1/tenants/acme/events?user=x&ip=1.2.3.4')).status, 400);
  });

  it('another tenant\'s events never appear, by user, IP or time', async () => {
    const globex = await timelineJson(['--tenant', 'globex', '--user', 'nruiz']);
    assert.deepEqual(globex.map((x) => x.source_id), ['globex-okta']);
    const byIp = await timelineJson(['--tenant', 'acme', '--ip', IP]);
    assert.deepEqual(byIp.map((x) => x.source_id), ['acme-entra', 'acme-okta']);
    const all = await timelineJson(['--tenant', 'acme', '--since', '2h']);
    assert.deepEqual(all.map((x) => x.source_id), ['acme-entra', 'acme-okta', 'acme-hr']);
    const unknown = await c.cli(['timeline', '--tenant', 'initech', '--user', 'nruiz']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^authtrail: unknown tenant "initech" \(tenants: acme, globex\)\n$/);
  });

  it('pages with opaque cursors; a forged or foreign cursor is a 400', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await api(`/v1/tenants/acme/events?user=nadia.ruiz%40acme.example&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(r.status, 200);
      const p = await r.json() as { events: Row[]; next_cursor: string | null };
      seen.push(...p.events.map((e) => e.source_id));
      cursor = p.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, ['acme-entra', 'acme-okta', 'acme-hr']);
    const first = await (await api('/v1/tenants/acme/events?user=nadia.ruiz%40acme.example&limit=1')).json() as { next_cursor: string };
    const forged = Buffer.from(JSON.stringify({ v: 1, q: 'x', b: '2026-01-01T00:00:00.000Z#a' })).toString('base64url');
    for (const bad of ['%%%', 'bm90IGpzb24', forged, Buffer.from('{"v":1}').toString('base64url')]) {
      const r = await api(`/v1/tenants/acme/events?user=nruiz&cursor=${bad}`);
      assert.equal(r.status, 400, bad);
      assert.equal((await r.json() as { error: string }).error, 'invalid_request');
    }
    assert.equal((await api(`/v1/tenants/globex/events?user=nadia.ruiz%40acme.example&cursor=${first.next_cursor}`)).status, 400, 'a cursor of another tenant');
    const cli = await c.cli(['timeline', '--tenant', 'acme', '--user', 'nruiz', '--cursor', forged]);
    assert.equal(cli.code, 2);
    assert.match(cli.stderr, /cursor is not valid/);
  });

  it('--outputs: the same timeline through the AWS mode, from the outputs file and the SDK\'s own configuration', async () => {
    const e = c.endpoints;
    const env = Object.fromEntries(Object.entries(c.env).filter(([k]) => !k.startsWith('AWS_')));
    Object.assign(env, {
      AUTHTRAIL_HOME: join(c.home, 'elsewhere'),
      AWS_ENDPOINT_URL_S3: e.s3, AWS_ENDPOINT_URL_DYNAMODB: e.dynamodb,
      AWS_ACCESS_KEY_ID: e.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: e.credentials.secretAccessKey, AWS_REGION: e.region,
      AWS_CONFIG_FILE: join(c.home, 'no-aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(c.home, 'no-aws-credentials'), AWS_EC2_METADATA_DISABLED: 'true',
    });
    const bin = fileURLToPath(new URL('../../bin/authtrail.mjs', import.meta.url));
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) => execFile(process.execPath, [bin, 'timeline', '--tenant', 'acme', '--user', 'nadia.ruiz@acme.example', '--json', '--outputs', join(c.home, 'cdk-outputs.json')], { env, encoding: 'utf8' },
      (err, stdout, stderr) => res({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })));
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    assert.deepEqual(rows.map((x) => x.source_id), ['acme-entra', 'acme-okta', 'acme-hr']);
  });

  it('summary and alerts answer for the tenant only', async () => {
    const s = await (await api('/v1/tenants/acme/summary?window=24h')).json() as { tenant: string; events: number; sign_ins: number; sources: { source_id: string }[] };
    assert.equal(s.tenant, 'acme');
    assert.equal(s.events, 3);
    assert.deepEqual(s.sources.map((x) => x.source_id), ['acme-entra', 'acme-hr', 'acme-okta']);
    // The detector records each source's last delivery within seconds (bounded polling).
    let last: (string | null)[] = [];
    for (let i = 0; i < 60; i++) {
      const x = await (await api('/v1/tenants/acme/summary')).json() as { sources: { source_id: string; last_event_time: string | null; last_delivery: string | null }[] };
      last = x.sources.map((y) => y.last_event_time);
      if (last.every(Boolean)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(last, [at(20), at(5), at(10)], 'entra, hr, okta: each source\'s newest event');
    const a = await api('/v1/tenants/acme/alerts?status=all');
    assert.equal(a.status, 200);
    assert.ok(Array.isArray((await a.json() as { alerts: unknown[] }).alerts));
    assert.equal((await api('/v1/tenants/acme/alerts?status=closed')).status, 400);
  });
});

describe('README: a demo user\'s timeline from two identity providers', () => {
  let c: TestCollector;
  before(async () => {
    const { DEMO_CONFIG } = await import('../../infra/config.ts');
    c = await startCollector(DEMO_CONFIG);
  });
  after(async () => { await c?.stop(); });

  it('npx authtrail timeline --tenant demo --user bob@example.com after sending the Okta and Entra samples', async () => {
    for (const [source, file] of [['demo-okta', 'test/fixtures/okta/event-hook.json'], ['demo-entra', 'test/fixtures/entra/SignInLogs.json']]) {
      const r = await c.cli(['send', source!, file!]);
      assert.equal(r.code, 0, r.stderr);
    }
    const r = await c.cli(['timeline', '--tenant', 'demo', '--user', 'bob@example.com', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Row);
    assert.deepEqual([...new Set(rows.map((x) => x.source_id))].sort(), ['demo-entra', 'demo-okta']);
    assert.deepEqual(rows.map((x) => x.event_time), rows.map((x) => x.event_time).sort().reverse(), 'newest first');
  });
});
