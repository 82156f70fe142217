import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../lambdas/core/config.ts';
import { createIngest, MAX_BODY_BYTES } from '../../lambdas/core/ingest.ts';
import { parseBody } from '../../lambdas/core/body.ts';
import { fixture, fixtureText } from '../helpers/fixtures.ts';
import { memoryQuarantine, memoryStore } from '../helpers/fakes.ts';

const config = parseConfig({
  tenants: [{ id: 'acme', name: 'Acme' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'okta-secret-1' } },
    { id: 'acme-duo', tenant: 'acme', kind: 'duo' },
    { id: 'acme-generic', tenant: 'acme', kind: 'generic', auth: { type: 'shared-secret', header: 'authorization', secret: 'generic-secret-1' } },
  ],
});
const auth = { authorization: 'okta-secret-1' };
const hook = fixtureText('okta/event-hook.json');

describe('ingest pipeline (CONTRACT §3)', () => {
  let store: ReturnType<typeof memoryStore>;
  let quarantine: ReturnType<typeof memoryQuarantine>;
  let ingest: ReturnType<typeof createIngest>;
  beforeEach(() => {
    store = memoryStore();
    quarantine = memoryQuarantine();
    ingest = createIngest({ config, store, quarantine, secrets: async (r) => r.value!, now: () => new Date('2026-11-21T09:00:00.000Z') });
  });
  const post = (body: string | Buffer, headers: Record<string, string> = auth, sourceId = 'acme-okta') =>
    ingest.http({ method: 'POST', sourceId, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });

  it('stores a hook body and counts it', async () => {
    const r = await post(hook);
    assert.deepEqual(r, { status: 200, body: { accepted: 7, duplicates: 0, quarantined: 0 } });
    const e = [...store.items.values()][0]!;
    assert.deepEqual([e.tenant, e.source_id, e.source, e.ingest_time], ['acme', 'acme-okta', 'okta', '2026-11-21T09:00:00.000Z']);
  });
  it('counts a redelivery as duplicates, and duplicates inside one body too', async () => {
    await post(hook);
    assert.deepEqual((await post(hook)).body, { accepted: 0, duplicates: 7, quarantined: 0 });
    const page = fixture<unknown[]>('okta/api-page.json');
    assert.deepEqual((await post(JSON.stringify([...page, page[0]]))).body, { accepted: 2, duplicates: 1, quarantined: 0 });
  });
  it('answers 404 for an unknown source, 401 for a wrong or missing secret, storing nothing', async () => {
    assert.equal((await post(hook, auth, 'nope')).status, 404);
    assert.deepEqual((await post(hook, { authorization: 'wrong' })).body, { error: 'unauthorized', message: 'authentication failed' });
    assert.equal((await post(hook, {})).status, 401);
    assert.equal((await post(hook, auth, 'acme-duo')).status, 401, 'a pull-only source accepts no webhooks');
    assert.equal(store.items.size + quarantine.records.length, 0);
  });
  it('answers 413 past the size limit, before reading the body', async () => {
    const r = await post(Buffer.alloc(MAX_BODY_BYTES + 1, 0x20));
    assert.equal(r.status, 413);
    assert.equal(r.body['error'], 'payload_too_large');
  });
  it('quarantines a body that is not JSON and answers 400', async () => {
    const r = await post('this is {not json');
    assert.equal(r.status, 400);
    assert.equal(r.body['error'], 'invalid_body');
    assert.equal(quarantine.records.length, 1);
    assert.equal(quarantine.records[0]!.entries[0]!.payload, 'this is {not json');
    assert.match(quarantine.records[0]!.entries[0]!.reason, /^invalid_body/);
  });
  it('keeps good events of a body with a bad one and quarantines the bad one with its reason', async () => {
    const events = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events.slice(0, 2);
    events[0]!['published'] = 'not-a-time';
    const r = await post(JSON.stringify({ data: { events } }));
    assert.deepEqual(r.body, { accepted: 1, duplicates: 0, quarantined: 1 });
    assert.match(quarantine.records[0]!.entries[0]!.reason, /published/);
  });
  it('takes NDJSON and quarantines its unparseable lines', async () => {
    const page = fixture<unknown[]>('okta/api-page.json');
    const r = await post(`${JSON.stringify(page[0])}\n{broken\n${JSON.stringify(page[1])}\n`);
    assert.deepEqual(r.body, { accepted: 2, duplicates: 0, quarantined: 1 });
    assert.match(quarantine.records[0]!.entries[0]!.reason, /NDJSON line 2/);
  });
  it('answers the Okta verification challenge only with the right secret', async () => {
    const get = (headers: Record<string, string>) => ingest.http({ method: 'GET', sourceId: 'acme-okta', headers, body: Buffer.alloc(0) });
    assert.deepEqual((await get({ ...auth, 'x-okta-verification-challenge': 'c-123' })).body, { verification: 'c-123' });
    assert.equal((await get({ 'x-okta-verification-challenge': 'c-123' })).status, 401);
  });
  it('parses OS and browser from a raw user agent when the vendor did not, and keeps the vendor\'s when it did', async () => {
    const body = JSON.stringify([
      { event_uid: 'ua-1', event_time: '2026-11-20T10:00:00Z', user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0' },
      { event_uid: 'ua-2', event_time: '2026-11-20T10:00:00Z', user_agent: 'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0', os: 'Vendor OS', browser: 'Vendor Browser' },
    ]);
    await post(body, { authorization: 'generic-secret-1' }, 'acme-generic');
    const byUid = (u: string) => [...store.items.values()].find((e) => e.event_uid === u)!;
    assert.deepEqual([byUid('ua-1').os, byUid('ua-1').browser], ['Linux', 'Firefox 132']);
    assert.deepEqual([byUid('ua-2').os, byUid('ua-2').browser], ['Vendor OS', 'Vendor Browser']);
  });
  it('lets a storage failure escape, so the handler answers 5xx and the vendor retries', async () => {
    store.failNext = new Error('throttled');
    await assert.rejects(post(hook), /throttled/);
    assert.equal((await post(hook)).body['accepted'], 7, 'the retry stores everything');
  });
});

describe('parseBody', () => {
  it('reads JSON, arrays, NDJSON and a BOM; refuses empty and broken bodies', () => {
    assert.deepEqual(parseBody(Buffer.from('\ufeff{"a":1}')), { ok: true, payload: { a: 1 }, badLines: [] });
    assert.deepEqual(parseBody(Buffer.from('{"a":1}\n{"a":2}\n')), { ok: true, payload: [{ a: 1 }, { a: 2 }], badLines: [] });
    assert.equal(parseBody(Buffer.from('  ')).ok, false);
    assert.equal(parseBody(Buffer.from('{"a":')).ok, false);
    assert.equal(parseBody(Buffer.from('<xml/>')).ok, false);
  });
});
