import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { parseConfig } from '../../lambdas/core/config.ts';
import { createIngest, IngestIncompleteError, MAX_BODY_BYTES, MAX_REASONS, OTHER_REASONS, quarantineId, type HotStore, type QuarantineRecord } from '../../lambdas/core/ingest.ts';
import { MAX_BAD_LINES, MAX_CONTAINERS, MAX_DEPTH } from '../../lambdas/core/body.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { fixture, fixtureText, oktaHook, type OktaEvent } from '../helpers/fixtures.ts';
import { memoryQuarantine, memoryStore } from '../helpers/fakes.ts';

const config = parseConfig({
  tenants: [{ id: 'acme', name: 'Acme' }],
  sources: [
    { id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'okta-secret-1' } },
    { id: 'acme-duo', tenant: 'acme', kind: 'duo' },
    { id: 'acme-generic', tenant: 'acme', kind: 'generic', auth: { type: 'shared-secret', header: 'authorization', secret: 'generic-secret-1' } },
    { id: 'acme-signed', tenant: 'acme', kind: 'generic', auth: { type: 'hmac-sha256', header: 'x-signature', secret: 'hmac-secret-1' } },
  ],
});
const auth = { authorization: 'okta-secret-1' };
const hook = fixtureText('okta/event-hook.json');
const hookEvents = () => fixture<{ data: { events: OktaEvent[] } }>('okta/event-hook.json').data.events;
const deep = (n: number, inner = '1') => '['.repeat(n) + inner + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

// One pipeline over in-memory ports, fresh before each test of the suites that call usePipeline().
let store: ReturnType<typeof memoryStore>;
let quarantine: ReturnType<typeof memoryQuarantine>;
let ingest: ReturnType<typeof createIngest>;
function usePipeline() {
  beforeEach(() => {
    store = memoryStore();
    quarantine = memoryQuarantine();
    ingest = createIngest({ config, store, quarantine, secrets: async (r) => r.value!, now: () => new Date('2026-11-21T09:00:00.000Z') });
  });
}
const post = (body: string | Buffer, headers: Record<string, string> = auth, sourceId = 'acme-okta') =>
  ingest.http({ method: 'POST', sourceId, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) });

describe('ingest pipeline (CONTRACT §3)', () => {
  usePipeline();
  const only = (): QuarantineRecord => { assert.equal(quarantine.records.length, 1); return quarantine.records[0]!; };

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
  it('quarantines a body that is not JSON, byte-exact, and answers 400', async () => {
    const r = await post('this is {not json');
    assert.equal(r.status, 400);
    assert.equal(r.body['error'], 'invalid_body');
    const q = only();
    assert.deepEqual(q.body, Buffer.from('this is {not json'));
    assert.deepEqual([q.tenant, q.source_id, q.origin, q.items, q.quarantined, q.content_encoding], ['acme', 'acme-okta', 'webhook', 0, 1, null]);
    assert.equal(q.reasons.length, 1);
    assert.match(q.reasons[0]!.reason, /^invalid_body/);
    assert.equal(q.reasons[0]!.unit, 'body');
  });
  it('keeps good events of a body with a bad one and quarantines the bad one with its reason and position', async () => {
    const events = hookEvents().slice(0, 3);
    events[1]!['published'] = 'not-a-time';
    const body = JSON.stringify({ data: { events } });
    const r = await post(body);
    assert.deepEqual(r.body, { accepted: 2, duplicates: 0, quarantined: 1 });
    const q = only();
    assert.match(q.reasons[0]!.reason, /published/);
    assert.deepEqual(q.reasons[0]!.ranges, [[1, 1]]);
    assert.equal(q.items, 3);
    assert.equal(q.body.toString(), body, 'the body is kept once, as sent');
  });
  it('takes NDJSON and quarantines its unparseable lines by line number', async () => {
    const page = fixture<unknown[]>('okta/api-page.json');
    const body = `${JSON.stringify(page[0])}\n{broken\n${JSON.stringify(page[1])}\n`;
    const r = await post(body);
    assert.deepEqual(r.body, { accepted: 2, duplicates: 0, quarantined: 1 });
    assert.deepEqual(only().reasons, [{ reason: 'NDJSON line is not JSON', unit: 'line', count: 1, ranges: [[2, 2]] }]);
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
  it('answers 503 when the store fails, and the retry stores everything', async () => {
    store.failNext = new Error('throttled');
    const r = await post(hook);
    assert.equal(r.status, 503);
    assert.equal(r.headers?.['retry-after'], '5');
    assert.match(String(r.problems), /throttled/);
    assert.equal((await post(hook)).body['accepted'], 7, 'the retry stores everything');
  });
});

/** A store that refuses some events for good and fails others transiently (by event_uid). */
function pickyStore(o: { reject?: (e: AuthEvent) => string | null; fail?: (e: AuthEvent) => boolean }): HotStore & { items: Map<string, AuthEvent> } {
  const items = new Map<string, AuthEvent>();
  return {
    items,
    async putNew(events) {
      const out = { accepted: 0, duplicates: 0, rejected: [] as { index: number; reason: string }[], failed: [] as { index: number; reason: string }[] };
      events.forEach((e, index) => {
        const why = o.reject?.(e);
        if (why) return out.rejected.push({ index, reason: why });
        if (o.fail?.(e)) return out.failed.push({ index, reason: 'ThrottlingException: slow down' });
        if (items.has(e.event_uid)) return out.duplicates++;
        items.set(e.event_uid, e);
        return out.accepted++;
      });
      return out;
    },
  };
}

describe('ingest: per-item isolation and the 5xx rule', () => {
  const make = (store: HotStore, quarantine = memoryQuarantine()) => ({
    quarantine,
    ingest: createIngest({ config, store, quarantine, secrets: async (r) => r.value!, now: () => new Date('2026-11-21T09:00:00.000Z') }),
  });
  const post = (i: ReturnType<typeof createIngest>, body: string) => i.http({ method: 'POST', sourceId: 'acme-okta', headers: auth, body: Buffer.from(body) });
  const big = 'c0ffee00-0000-4000-8000-000000000007';

  it('quarantines an event the store can never take and answers 200 with exact counts', async () => {
    const store = pickyStore({ reject: (e) => (e.event_uid === big ? 'the event is too large for the hot table' : null) });
    const { ingest, quarantine } = make(store);
    const body = oktaHook(61);
    assert.deepEqual(await post(ingest, body), { status: 200, body: { accepted: 60, duplicates: 0, quarantined: 1 } });
    assert.equal(quarantine.records.length, 1);
    assert.deepEqual(quarantine.records[0]!.reasons, [{ reason: 'the event is too large for the hot table', unit: 'item', count: 1, ranges: [[7, 7]] }]);
    // Redelivered: the stored ones are duplicates, the quarantine object is the same one (same id).
    assert.deepEqual((await post(ingest, body)).body, { accepted: 0, duplicates: 60, quarantined: 1 });
    assert.equal(quarantine.records[1]!.id, quarantine.records[0]!.id);
    assert.equal(quarantine.records[0]!.id, quarantineId('acme-okta', null, Buffer.from(body)));
  });
  it('answers 503 when some events failed transiently (the rest stored; the retry counts them as duplicates)', async () => {
    let failing = true;
    const store = pickyStore({ fail: (e) => failing && e.event_uid.endsWith('3') });
    const { ingest } = make(store);
    const body = oktaHook(20);
    const r = await post(ingest, body);
    assert.equal(r.status, 503);
    assert.equal(store.items.size, 18);
    failing = false;
    assert.deepEqual((await post(ingest, body)).body, { accepted: 2, duplicates: 18, quarantined: 0 });
  });
  it('answers 503 when nothing could be stored', async () => {
    const { ingest } = make(pickyStore({ fail: () => true }));
    assert.equal((await post(ingest, oktaHook(5))).status, 503);
  });
  it('answers 503 when rejected items could not be quarantined, stored events or not', async () => {
    const broken = { records: [] as QuarantineRecord[], async put() { throw new Error('S3 is down'); } };
    const { ingest } = make(memoryStore(), broken);
    const r = await post(ingest, oktaHook(3, (e, i) => { if (i === 1) e['published'] = 'never'; }));
    assert.equal(r.status, 503);
    assert.match(String(r.problems), /could not be quarantined: Error: S3 is down/);
    assert.equal((await post(ingest, 'not json')).status, 503, 'an invalid body that cannot be kept is not a 400');
    assert.deepEqual((await post(ingest, oktaHook(4))).body, { accepted: 2, duplicates: 2, quarantined: 0 }, 'nothing to quarantine: the quarantine is not needed');
  });
  it('runs the EventBridge/pull entry point by the same rule: it throws when something is not kept', async () => {
    const { ingest } = make(pickyStore({ fail: () => true }));
    await assert.rejects(ingest.ingestPayload(config.sources[0]!, JSON.parse(oktaHook(2))), IngestIncompleteError);
  });
});

describe('ingest: bytes, encodings and HMAC', () => {
  let store: ReturnType<typeof memoryStore>;
  let quarantine: ReturnType<typeof memoryQuarantine>;
  let ingest: ReturnType<typeof createIngest>;
  beforeEach(() => {
    store = memoryStore();
    quarantine = memoryQuarantine();
    ingest = createIngest({ config, store, quarantine, secrets: async (r) => r.value!, now: () => new Date('2026-11-21T09:00:00.000Z') });
  });
  const post = (body: Buffer, headers: Record<string, string> = auth, sourceId = 'acme-okta') => ingest.http({ method: 'POST', sourceId, headers, body });
  const latin1 = Buffer.from('[{"event_uid":"x-1","event_time":"2026-11-20T10:00:00Z","user_login":"Jos\xe9@example.com"}]', 'latin1');
  const sign = (body: Buffer) => createHmac('sha256', 'hmac-secret-1').update(body).digest('hex');

  it('quarantines a body that is not UTF-8 byte-exact and answers 400 (never a lossy string)', async () => {
    const r = await post(latin1, { authorization: 'generic-secret-1' }, 'acme-generic');
    assert.equal(r.status, 400);
    assert.match(String(r.body['message']), /not valid UTF-8/);
    assert.equal(quarantine.records.length, 1);
    assert.ok(quarantine.records[0]!.body.equals(latin1));
    assert.equal(store.items.size, 0);
  });
  it('verifies HMAC over the raw bytes as received: a signed non-UTF-8 body authenticates, then is quarantined', async () => {
    assert.equal((await post(latin1, { 'x-signature': sign(latin1) }, 'acme-signed')).status, 400);
    assert.equal((await post(latin1, { 'x-signature': sign(Buffer.from(latin1.toString('utf8'))) }, 'acme-signed')).status, 401, 'a signature over the lossy text does not match');
    const gz = gzipSync(Buffer.from(JSON.stringify([{ event_uid: 'gz-1', event_time: '2026-11-20T10:00:00Z' }])));
    assert.deepEqual((await post(gz, { 'x-signature': sign(gz), 'content-encoding': 'gzip' }, 'acme-signed')).body, { accepted: 1, duplicates: 0, quarantined: 0 }, 'signed over the compressed bytes');
  });
  it('accepts gzip, x-gzip, deflate (zlib or raw) and br bodies', async () => {
    const body = Buffer.from(hook);
    assert.deepEqual((await post(gzipSync(body), { ...auth, 'content-encoding': 'gzip' })).body, { accepted: 7, duplicates: 0, quarantined: 0 });
    for (const [enc, bytes] of [['x-gzip', gzipSync(body)], ['deflate', deflateSync(body)], ['deflate', deflateRawSync(body)], ['br', brotliCompressSync(body)], ['identity', body]] as const) {
      assert.deepEqual((await post(bytes, { ...auth, 'content-encoding': enc })).body, { accepted: 0, duplicates: 7, quarantined: 0 }, enc);
    }
  });
  it('quarantines a compressed body that is not JSON, or does not inflate, as the compressed bytes', async () => {
    const notJson = gzipSync(Buffer.from('plain text, not json'));
    assert.equal((await post(notJson, { ...auth, 'content-encoding': 'gzip' })).status, 400);
    const corrupt = Buffer.concat([notJson.subarray(0, 12), Buffer.from('garbage')]);
    assert.equal((await post(corrupt, { ...auth, 'content-encoding': 'gzip' })).status, 400);
    assert.equal((await post(Buffer.from('{}'), { ...auth, 'content-encoding': 'zstd-or-other' })).status, 400);
    assert.deepEqual(quarantine.records.map((q) => [q.content_encoding, q.body.length]), [['gzip', notJson.length], ['gzip', corrupt.length], ['zstd-or-other', 2]]);
    assert.ok(quarantine.records[0]!.body.equals(notJson) && quarantine.records[1]!.body.equals(corrupt));
    assert.match(quarantine.records[1]!.reasons[0]!.reason, /not valid gzip/);
  });
  it('answers 413 to a zip bomb without inflating it all, and keeps nothing', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 100_000);
    const r = await post(bomb, { ...auth, 'content-encoding': 'gzip' });
    assert.deepEqual([r.status, r.body['error']], [413, 'payload_too_large']);
    assert.equal(quarantine.records.length, 0);
  });
});

describe('ingest: bounded work whatever the body', () => {
  usePipeline();
  const good = hookEvents()[0]!;

  it('stores the good event beside one nested 6,000 deep (arrays or objects) and quarantines that one', async () => {
    for (const [n, inner] of [[0, deep(6000)], [1, deepObject(6000)], [2, `{"uuid":"x","data":${deep(100)}}`]] as const) {
      const g = { ...good, uuid: `a0f3b1c2-0000-0000-0000-00000000000${n}` };
      const body = `[${JSON.stringify(g)},${inner}]`;
      const r = await post(body);
      assert.deepEqual(r, { status: 200, body: { accepted: 1, duplicates: 0, quarantined: 1 } }, `case ${n}`);
      const q = quarantine.records[n]!;
      assert.equal(q.reasons[0]!.reason, `the item is nested deeper than ${MAX_DEPTH} levels`);
      assert.equal(q.body.toString(), body);
    }
  });
  it('takes ~2.6 M tiny non-object items in one body with one index range, without the normalizer', async () => {
    const n = 2_621_439;
    const body = Buffer.from(`[${'1,'.repeat(n - 1)}1]`);
    assert.ok(body.length <= MAX_BODY_BYTES);
    const t = performance.now();
    const r = await post(body);
    const ms = performance.now() - t;
    assert.deepEqual(r, { status: 200, body: { accepted: 0, duplicates: 0, quarantined: n } });
    const q = quarantine.records[0]!;
    assert.deepEqual(q.reasons, [{ reason: 'the item is a number, not a JSON object', unit: 'item', count: n, ranges: [[0, n - 1]] }]);
    assert.equal(q.body, body, 'the body itself, not a copy per item');
    assert.ok(ms < 15_000, `took ${ms} ms`);
  });
  it(`answers 413 to a body of more than ${MAX_CONTAINERS} objects (e.g. 1.7 M times {}), more values than 5 MiB can hold, or ${MAX_BAD_LINES} bad NDJSON lines`, async () => {
    const objects = `[${'{},'.repeat(1_747_000)}{}]`;
    const r = await post(objects);
    assert.deepEqual([r.status, r.body['error']], [413, 'payload_too_large']);
    assert.match(String(r.body['message']), /split it/);
    const lines = `1\n1\n${'x\n'.repeat(MAX_BAD_LINES + 1)}`;
    assert.equal((await post(lines)).status, 413);
    const inflated = gzipSync(Buffer.from(`[${'1,'.repeat(10_000_000)}1]`));
    assert.equal((await post(inflated, { ...auth, 'content-encoding': 'gzip' })).status, 413, '10 M values inflated from 20 KB');
    assert.equal(quarantine.records.length + store.items.size, 0);
  });
  it(`keeps at most ${MAX_REASONS} distinct reasons per body, counting the rest under "${OTHER_REASONS}"`, async () => {
    const items = Array.from({ length: 150 }, (_, i) => ({ event_uid: `bad-${i}`, event_time: 'never' }));
    const r = await post(JSON.stringify(items), { authorization: 'generic-secret-1' }, 'acme-generic');
    assert.deepEqual(r.body, { accepted: 0, duplicates: 0, quarantined: 150 });
    const q = quarantine.records[0]!;
    assert.equal(q.reasons.length, MAX_REASONS + 1);
    assert.deepEqual(q.reasons.at(-1), { reason: OTHER_REASONS, unit: 'item', count: 50, ranges: [[100, 149]] });
  });
  it('quarantines an EventBridge-style payload nested too deep with its JSON text, restoring it first', async () => {
    const env = JSON.parse(`{"source":"aws.partner/okta.com/x","detail-type":"SystemLog","detail":${deepObject(5000)}}`) as Record<string, unknown>;
    const r = await ingest.ingestPayload(config.sources[0]!, env, { origin: 'eventbridge' });
    assert.deepEqual(r, { accepted: 0, duplicates: 0, quarantined: 1 });
    const q = quarantine.records[0]!;
    assert.equal(q.origin, 'eventbridge');
    assert.equal(q.body.toString(), `{"source":"aws.partner/okta.com/x","detail-type":"SystemLog","detail":${deepObject(5000)}}`);
    let d = env['detail'] as Record<string, unknown>;
    for (let i = 0; i < 4999; i++) d = d['a'] as Record<string, unknown>;
    assert.equal(d['a'], 1, 'the caller\'s value is given back untouched');
  });
  it('quarantines an unrouted event with its JSON text as the body', async () => {
    const r = await ingest.quarantineUnrouted({ source: 'aws.partner/unknown', detail: {} }, 'no configured source');
    assert.deepEqual(r, { accepted: 0, duplicates: 0, quarantined: 1 });
    assert.deepEqual([quarantine.records[0]!.source_id, quarantine.records[0]!.body.toString()], ['_unrouted', '{"source":"aws.partner/unknown","detail":{}}']);
  });
});

describe('http-ingest route()', async () => {
  Object.assign(process.env, {
    AUTHTRAIL_RUNTIME_CONFIG: JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 'okta-secret-1' } }] }),
    AUTHTRAIL_TABLE: 'hot', AUTHTRAIL_BUCKET: 'archive', AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const { mockClient } = await import('aws-sdk-client-mock');
  const { S3Client, PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const s3 = mockClient(S3Client);
  const ddb = mockClient(DynamoDBDocumentClient);
  const { route } = await import('../../lambdas/handlers/http-ingest.ts');
  type Ev = Parameters<typeof route>[0];
  const event = (rawPath: string, o: { body?: string; isBase64Encoded?: boolean; headers?: Record<string, string>; pathParameters?: Record<string, string> } = {}): Ev => ({
    version: '2.0', routeKey: '$default', rawPath, rawQueryString: '', headers: o.headers ?? {}, isBase64Encoded: o.isBase64Encoded ?? false,
    ...(o.body === undefined ? {} : { body: o.body }), ...(o.pathParameters ? { pathParameters: o.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000', apiId: 'test', domainName: 'example.com', domainPrefix: 'test', requestId: 'r', routeKey: '$default', stage: '$default',
      time: '', timeEpoch: 0, http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '192.0.2.10', userAgent: 'test' },
    },
  });

  it('answers malformed percent-encoding in the source id with 404 unknown_source, never 5xx', async () => {
    for (const path of ['/v1/ingest/%E0%A4%A', '/v1/ingest/%', '/v1/ingest/%ZZ', '/v1/ingest/%C0%AF']) {
      const r = await route(event(path, { body: '{}' }));
      assert.equal(r.statusCode, 404, path);
      assert.equal(JSON.parse(r.body!).error, 'unknown_source', path);
    }
    assert.equal(s3.calls().length + ddb.calls().length, 0);
  });
  it('decodes a well-formed percent-encoded source id, and prefers pathParameters', async () => {
    assert.equal(JSON.parse((await route(event('/v1/ingest/no%2Dsuch'))).body!).message, 'no source "no-such" is configured');
    assert.equal((await route(event('/v1/ingest/%', { pathParameters: { sourceId: 'other' } }))).statusCode, 404);
  });
  it('decodes a base64 body per isBase64Encoded and quarantines it byte-exact', async () => {
    s3.on(PutObjectCommand).resolves({});
    const bytes = Buffer.from([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    const r = await route(event('/v1/ingest/acme-okta', { body: bytes.toString('base64'), isBase64Encoded: true, headers: { Authorization: 'okta-secret-1' } }));
    assert.equal(r.statusCode, 400);
    const put = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    const stored = JSON.parse(String(put.Body)) as { body: string; body_encoding: string };
    assert.equal(stored.body_encoding, 'base64');
    assert.ok(Buffer.from(stored.body, 'base64').equals(bytes));
    assert.match(String(put.Key), /^quarantine\/tenant=acme\/dt=\d{4}-\d{2}-\d{2}\/[0-9a-f]{32}\.json$/);
  });
});
