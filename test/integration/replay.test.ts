/**
 * `authtrail quarantine replay`: what could not be stored is kept, and once the cause is fixed
 * (here: the config gains the missing source) a replay stores it exactly once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureText } from '../helpers/fixtures.ts';
import { startCollector } from '../helpers/collector.ts';

const base = {
  tenants: [{ id: 'acme', name: 'Acme' }],
  sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'replay-okta-secret' } }],
};
const withAuth0 = { ...base, sources: [...base.sources, { id: 'acme-auth0', tenant: 'acme', kind: 'auth0', eventbridge: {} }] };

describe('quarantine replay', () => {
  it('keeps what still fails, stores what the fix allows, once', async () => {
    let c = await startCollector(base);
    try {
      const eb = await fetch(`${c.base}/v1/eventbridge`, { method: 'POST', headers: c.localHeaders(), body: fixtureText('auth0/eventbridge.json') });
      assert.deepEqual(await eb.json(), { accepted: 0, duplicates: 0, quarantined: 1 }, 'no auth0 source yet');
      const bad = await fetch(`${c.base}/v1/ingest/acme-okta`, { method: 'POST', headers: { authorization: 'replay-okta-secret' }, body: 'still {not json' });
      assert.equal(bad.status, 400);
      const r = await c.cli(['quarantine', 'replay']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { objects: 2, entries: 2, accepted: 0, duplicates: 0, quarantined: 2 }, 'nothing fixed yet: both kept');
      assert.equal(await c.stop(), 0);

      c = await startCollector(withAuth0, { home: c.home });
      const list = (await c.cli(['quarantine', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; source_id: string });
      assert.equal(list.length, 2);
      const unrouted = list.find((x) => x.source_id === '_unrouted')!;
      const one = await c.cli(['quarantine', 'replay', unrouted.id]);
      assert.deepEqual(JSON.parse(one.stdout), { objects: 1, entries: 1, accepted: 1, duplicates: 0, quarantined: 0 });
      const after = (await c.cli(['quarantine', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { source_id: string; reason: string });
      assert.deepEqual(after.map((x) => x.source_id), ['acme-okta'], 'the body that is still not JSON stays');
      assert.match(after[0]!.reason, /^invalid_body/);
      assert.deepEqual(JSON.parse((await c.cli(['quarantine', 'replay'])).stdout), { objects: 1, entries: 1, accepted: 0, duplicates: 0, quarantined: 1 });
      assert.equal((await c.cli(['quarantine', 'replay', 'no-such-id'])).code, 1);
      // Replaying the EventBridge event again (from its source) is a duplicate: stored once.
      const again = await fetch(`${c.base}/v1/eventbridge`, { method: 'POST', headers: c.localHeaders(), body: fixtureText('auth0/eventbridge.json') });
      assert.deepEqual(await again.json(), { accepted: 0, duplicates: 1, quarantined: 0 });
    } finally {
      await c.stop();
    }
  });
});
