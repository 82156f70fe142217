/**
 * `authtrail quarantine replay` on the new object format: the stored bytes are re-parsed and
 * the body rerun; what still fails rewrites the same object, what now stores removes it; old
 * objects (one copy per entry) still replay.
 */
import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseConfig, type Config } from '../../lambdas/core/config.ts';
import { createIngest, type HotStore } from '../../lambdas/core/ingest.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { parseQuarantine, s3Quarantine, type StoredQuarantineV2 } from '../../lambdas/adapters/quarantine.ts';
import { replayQuarantine } from '../../local/replay.ts';
import { fixture, fixtureText } from '../helpers/fixtures.ts';

const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const mock = mockClient(s3);
function memoryBucket() {
  const objects = new Map<string, string>();
  mock.on(PutObjectCommand).callsFake((i) => { objects.set(i.Key!, String(i.Body)); return {}; });
  mock.on(GetObjectCommand).callsFake((i) => ({ Body: { transformToString: async () => objects.get(i.Key!)! } }));
  mock.on(DeleteObjectCommand).callsFake((i) => { objects.delete(i.Key!); return {}; });
  mock.on(ListObjectsV2Command).callsFake((i) => ({ Contents: [...objects.keys()].filter((k) => k.startsWith(i.Prefix ?? '')).sort().map((Key) => ({ Key })) }));
  return objects;
}

const SECRET = 'replay-unit-secret-1';
const base = { tenants: [{ id: 'acme', name: 'Acme' }], sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: SECRET } }] };
const withAuth0 = parseConfig({ ...base, sources: [...base.sources, { id: 'acme-auth0', tenant: 'acme', kind: 'auth0', eventbridge: {} }] });

/** A hot store that can be told to refuse events for good (as DynamoDB refuses one over 400 KB). */
function store() {
  const items = new Map<string, AuthEvent>();
  const s = {
    items, refuse: null as null | ((e: AuthEvent) => boolean),
    async putNew(events: readonly AuthEvent[]) {
      const out = { accepted: 0, duplicates: 0, rejected: [] as { index: number; reason: string }[] };
      events.forEach((e, index) => {
        if (s.refuse?.(e)) out.rejected.push({ index, reason: 'the event is too large for the hot table' });
        else if (items.has(e.event_uid)) out.duplicates++;
        else { items.set(e.event_uid, e); out.accepted++; }
      });
      return out;
    },
  };
  return s satisfies HotStore;
}

describe('quarantine replay', () => {
  let objects: Map<string, string>;
  let hot: ReturnType<typeof store>;
  let day = '2026-11-21';
  beforeEach(() => { mock.reset(); objects = memoryBucket(); hot = store(); day = '2026-11-21'; });
  const pipeline = (config: Config) => createIngest({ config, store: hot, quarantine: s3Quarantine({ client: s3, bucket: 'b' }), secrets: async (r) => r.value!, now: () => new Date(`${day}T09:00:00.000Z`) });
  const replay = (config: Config, id?: string) => replayQuarantine({ s3, bucket: 'b', config, ingest: pipeline(config), ...(id ? { id } : {}) });
  const post = (body: string | Buffer, headers: Record<string, string> = {}) =>
    pipeline(withAuth0).http({ method: 'POST', sourceId: 'acme-okta', headers: { authorization: SECRET, ...headers }, body: Buffer.from(body) });
  const only = () => { assert.equal(objects.size, 1); return [...objects.entries()][0]!; };

  it('reruns the body: what still fails rewrites the same object (same key, new reasons), what stores removes it', async () => {
    const big = 'a0f3b1c2-1111-11f1-9a4b-000000000003';
    hot.refuse = (e) => e.event_uid === big;
    assert.deepEqual((await post(fixtureText('okta/event-hook.json'))).body, { accepted: 6, duplicates: 0, quarantined: 1 });
    const [key, text] = only();
    day = '2026-11-25';
    assert.deepEqual(await replay(withAuth0), { objects: 1, entries: 1, accepted: 0, duplicates: 6, quarantined: 1 });
    const [key2, text2] = only();
    assert.equal(key2, key, 'the original received day keeps the key');
    assert.equal((parseQuarantine(text2) as StoredQuarantineV2).received_time, (parseQuarantine(text) as StoredQuarantineV2).received_time);
    hot.refuse = null;
    assert.deepEqual(await replay(withAuth0, (parseQuarantine(text) as StoredQuarantineV2).id), { objects: 1, entries: 1, accepted: 1, duplicates: 6, quarantined: 0 });
    assert.equal(objects.size, 0);
    assert.equal(hot.items.get(big)?.ingest_time, '2026-11-25T09:00:00.000Z');
  });

  it('decodes a compressed body again, and keeps an unconfigured source\'s body as it is', async () => {
    const gz = gzipSync(Buffer.from('still {not json'));
    assert.equal((await post(gz, { 'content-encoding': 'gzip' })).status, 400);
    const [key, text] = only();
    assert.deepEqual(await replay(withAuth0), { objects: 1, entries: 1, accepted: 0, duplicates: 0, quarantined: 1 });
    assert.deepEqual(only(), [key, text]);
    const noOkta = parseConfig({ ...base, sources: [{ id: 'acme-auth0', tenant: 'acme', kind: 'auth0', eventbridge: {} }] });
    assert.deepEqual(await replay(noOkta), { objects: 1, entries: 1, accepted: 0, duplicates: 0, quarantined: 1 });
    assert.deepEqual(only(), [key, text]);
  });

  it('routes an unrouted EventBridge event once its source is configured, removing it from _unrouted', async () => {
    const env = fixture<Record<string, unknown>>('auth0/eventbridge.json');
    const without = parseConfig(base);
    assert.deepEqual(await pipeline(without).quarantineUnrouted(env, 'no configured source matches'), { accepted: 0, duplicates: 0, quarantined: 1 });
    const [key] = only();
    assert.match(key, /^quarantine\/tenant=_unrouted\//);
    assert.deepEqual(await replay(without), { objects: 1, entries: 1, accepted: 0, duplicates: 0, quarantined: 1 });
    assert.equal(only()[0], key);
    assert.deepEqual(await replay(withAuth0), { objects: 1, entries: 1, accepted: 1, duplicates: 0, quarantined: 0 });
    assert.equal(objects.size, 0);
  });

  it('replays objects of the earlier format entry by entry, requarantining in the new format', async () => {
    const events = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events;
    const oldKey = 'quarantine/tenant=acme/dt=2026-11-19/20261119t080000000z-0a0b0c0d0e0f.json';
    objects.set(oldKey, JSON.stringify({
      id: '20261119t080000000z-0a0b0c0d0e0f', tenant: 'acme', source_id: 'acme-okta', received_time: '2026-11-19T08:00:00.000Z',
      entries: [{ reason: 'was rejected by an older normalizer', payload: events[0] }, { reason: 'invalid_body: x', payload: 'still not json' }],
    }));
    assert.deepEqual(await replay(withAuth0, '20261119t080000000z-0a0b0c0d0e0f#1'), { objects: 1, entries: 1, accepted: 0, duplicates: 0, quarantined: 1 });
    assert.equal(objects.size, 2, 'part of an old object replayed: the old object stays');
    assert.deepEqual(await replay(withAuth0), { objects: 2, entries: 3, accepted: 1, duplicates: 0, quarantined: 2 });
    assert.equal(objects.has(oldKey), false);
    const left = [...objects.values()].map((t) => parseQuarantine(t) as StoredQuarantineV2);
    assert.deepEqual(left.map((q) => [q.format, q.body, q.received_time]), [[2, 'still not json', '2026-11-19T08:00:00.000Z']]);
  });
});
