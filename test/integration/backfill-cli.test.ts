/**
 * `authtrail backfill` against the running local collector: it goes through the collector's own
 * backfill (the code the deployed function runs), finds what the stream archived, leaves events
 * stored within 25 hours to the stream, writes nothing twice, and refuses an unknown tenant in
 * one line. (Re-archiving events the stream lost is tested in backfill.test.ts.)
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureText } from '../helpers/fixtures.ts';
import { startCollector, type TestCollector } from '../helpers/collector.ts';

const SECRET = 'it-backfill-cli-secret-47';
const config = {
  tenants: [{ id: 'acme', name: 'Acme' }],
  sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } }],
};

describe('authtrail backfill (local)', () => {
  let c: TestCollector;
  before(async () => { c = await startCollector(config); });
  after(async () => { await c?.stop(); });

  it('reports the day as archived by the stream and changes nothing', async () => {
    const r = await fetch(`${c.base}/v1/ingest/acme-okta`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body: fixtureText('okta/event-hook.json') });
    assert.deepEqual(await r.json(), { accepted: 7, duplicates: 0, quarantined: 0 });
    assert.equal((await c.cli(['flush'])).code, 0);
    const before = await c.cli(['verify']);
    assert.equal(before.code, 0, before.stdout + before.stderr);

    const b = await c.cli(['backfill', '--tenant', 'acme', '--from', '2026-11-19', '--to', '2026-11-20', '--json']);
    assert.equal(b.code, 0, b.stderr);
    const days = b.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(days.map((d) => [d['dt'], d['hot_events'], d['archived_before'], d['archived_now'], d['left_to_stream']]), [
      ['2026-11-19', 0, 0, 0, 0],
      ['2026-11-20', 7, 7, 0, 0],
    ]);
    const v = await c.cli(['verify']);
    assert.equal(v.stdout, before.stdout, 'the archive is as it was');
  });

  it('leaves what the stream has not archived yet to the stream', async () => {
    const body = JSON.parse(fixtureText('okta/event-hook.json')) as { data: { events: { uuid: string }[] } };
    for (const e of body.data.events) e.uuid = `${e.uuid}-second`;
    await fetch(`${c.base}/v1/ingest/acme-okta`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: SECRET }, body: JSON.stringify(body) });
    // No flush: the events sit in the hot table, their stream records not yet archived.
    const b = await c.cli(['backfill', '--tenant', 'acme', '--from', '2026-11-20', '--dry-run']);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stdout, /acme 2026-11-20: 14 event\(s\) in the hot table, \d+ archived already, 0 to archive, \d+ left to the stream/);
    assert.match(b.stdout, /backfill: dry run, nothing written or published: 0 event\(s\) to archive/);
  });

  it('refuses an unknown tenant and a bad date in one line', async () => {
    const t = await c.cli(['backfill', '--tenant', 'nosuch', '--from', '2026-11-20']);
    assert.equal(t.code, 1);
    assert.equal(t.stderr, 'authtrail: unknown tenant "nosuch" (tenants: acme)\n');
    const d = await c.cli(['backfill', '--tenant', 'acme', '--from', '2026-11-31']);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /^authtrail: backfill: --from takes a date YYYY-MM-DD, not "2026-11-31"\n/);
  });
});
