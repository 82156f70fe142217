import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { randomBytes } from 'node:crypto';
import { dynamoHotStore, itemSize, MAX_ITEM_BYTES, toItem } from '../../lambdas/adapters/hot-store.ts';
import { dayPartitions, hotItemToEvent, packEvent, shardOf, TIME_SHARDS, unpackEvent } from '../../lambdas/core/hot-item.ts';
import { EMPTY_FIELDS, type AuthEvent } from '../../lambdas/core/event.ts';
import { normalizedFixtureEvents } from '../helpers/fixtures.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const mock = mockClient(doc);
const ev = (i: number, over: Partial<AuthEvent> = {}): AuthEvent => ({
  ...EMPTY_FIELDS, tenant: 'acme', source_id: 'acme-okta', source: 'okta', event_uid: `uid-${i}`,
  event_time: '2026-11-20T10:00:00.000Z', ingest_time: '2026-11-21T00:00:00.000Z', user_login: 'Jo@Example.com', ...over,
});
const store = (o: Partial<Parameters<typeof dynamoHotStore>[0]> = {}) => dynamoHotStore({ client: doc, table: 't', hotDays: 90, backoffMs: () => 1, ...o });
const awsError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, attempts: 1 }, ...extra });
const ccf = (item?: Record<string, unknown>, attempts = 1) => new ConditionalCheckFailedException({
  message: 'The conditional request failed', $metadata: { httpStatusCode: 400, attempts }, ...(item ? { Item: marshall(item) } : {}),
});
/** The event id (`source_id#event_uid`) of a put: the sort key after its time. */
const putKey = (input: PutCommandInput) => (input.Item!['sk'] as string).split('#').slice(1).join('#');
const keyOf = (k: { pk?: unknown; sk?: unknown }) => `${String(k.pk)}|${String(k.sk)}`;

/**
 * A stand-in for DynamoDB's semantics that matter here: an eventually consistent read may miss a
 * completed write (here: half of them, at random), a conditional put is atomic, an unconditional
 * one overwrites. Calls yield to the event loop,
 * so concurrent putNew calls interleave like concurrent Lambda invocations.
 */
function fakeTable() {
  const items = new Map<string, Record<string, unknown>>();
  const writes = new Map<string, number>();
  const tick = () => new Promise((r) => setImmediate(r));
  mock.on(BatchGetCommand).callsFake(async (input) => {
    await tick();
    const keys = input.RequestItems.t.Keys as { pk: string; sk: string }[];
    return { Responses: { t: keys.filter((k) => items.has(keyOf(k)) && Math.random() < 0.5).map((k) => ({ pk: k.pk, sk: k.sk })) } };
  });
  mock.on(PutCommand).callsFake(async (input: PutCommandInput) => {
    await tick();
    const pk = keyOf(input.Item!);
    if (input.ConditionExpression === 'attribute_not_exists(pk)' && items.has(pk)) throw ccf(items.get(pk));
    items.set(pk, input.Item!);
    writes.set(pk, (writes.get(pk) ?? 0) + 1);
    return {};
  });
  mock.on(BatchWriteCommand).callsFake(async (input) => {
    await tick();
    for (const w of input.RequestItems.t as { PutRequest: { Item: Record<string, unknown> } }[]) {
      const pk = keyOf(w.PutRequest.Item);
      items.set(pk, w.PutRequest.Item);
      writes.set(pk, (writes.get(pk) ?? 0) + 1);
    }
    return {};
  });
  return { items, writes };
}

describe('DynamoDB hot store', () => {
  beforeEach(() => mock.reset());

  it('keys an event by tenant, day and write shard, then time and id; indexes tenant+user; packs the event', () => {
    const item = toItem(ev(1), 90);
    assert.equal(item['pk'], `acme#2026-11-20#${String(shardOf('acme-okta#uid-1')).padStart(2, '0')}`);
    assert.ok(dayPartitions('acme', '2026-11-20').includes(item['pk'] as string), 'a reader of the day reads its shard');
    assert.equal(item['sk'], '2026-11-20T10:00:00.000Z#acme-okta#uid-1');
    assert.equal(item['uk'], 'acme#jo@example.com');
    assert.equal(item['expires_at'], Date.parse('2026-11-21T00:00:00Z') / 1000 + 90 * 86_400);
    assert.deepEqual(Object.keys(item).sort(), ['ev', 'expires_at', 'pk', 'sk', 'uk'], 'no field in clear but the keys (no src_ip here)');
    assert.deepEqual(hotItemToEvent(item), ev(1));
    assert.equal(toItem(ev(2, { src_ip: '192.0.2.7' }), 90)['ip'], '192.0.2.7');
    assert.equal('uk' in toItem(ev(3, { user_login: null }), 90), false, 'an event without a user has no index entry');
  });

  it('packs every vendor fixture event and unpacks it exactly, raw included; a raw that is not canonical JSON stays byte for byte', async () => {
    const events = await normalizedFixtureEvents();
    assert.ok(events.length > 300);
    for (const { event } of events) assert.deepEqual(unpackEvent(packEvent(event)), event);
    for (const raw of ['{"a": 1}', '{"b":1.0}', 'not json', '"\u00e9"', '{"a":"é","n":-0}']) assert.equal(unpackEvent(packEvent(ev(1, { raw }))).raw, raw);
    assert.equal(unpackEvent(packEvent(ev(1, { raw: null }))).raw, null);
  });

  it('decodes what earlier code wrote: the dictionary sets are frozen (an item names the set and the dictionary it used)', () => {
    const e: AuthEvent = {
      ...EMPTY_FIELDS, tenant: 'acme', source_id: 'acme-okta', source: 'okta', event_uid: 'golden-1', event_time: '2026-11-20T10:00:00.000Z',
      ingest_time: '2026-11-21T00:00:00.000Z', category: 'mfa_verify', outcome: 'denied', factor: 'push', user_email: 'jo@example.com', src_ip: '192.0.2.7',
      raw: JSON.stringify({ uuid: 'golden-1', eventType: 'user.mfa.okta_verify.deny_push', outcome: { result: 'FAILURE' } }),
    };
    // Written by set 1's Okta dictionary (format 2), and by brotli for a source without one (format 1).
    const okta = 'AgEHg5b2hAvZlNS8zFRE8xkxZYJSAGbl415BaaRnoGekZw4KBljdkpicm4pWv4CEdKEVC3pFg1yvpOfnpKTm6RriW29kgLpaGrWegis0DDFAUYhWFKFbhFwG5aYl6oHcBg0wvZTUPOiKE/yNq9raWgA=';
    const generic = 'ARt+AQDEwjmVP51mwK9GpAhT+gKPyPJWhVC16D4opLfpiiTY0AjJupZFSRIL3SbD4wrUCDfpk6j9gkFf+EoQYsdQnfEIgfR+s9KYQbA58dmGwNN7OQjZ/eoZDTAYpWwiBGmzTWgq4gIC14ul/AyEQqMo8xLnGgRunBjJDQTDijmxS+8Xi5Vvu6321TXvW+EFBFB5rO47oEjkRCuEUJQCboCdVihoxfyikKf8IuSH/A4CfuLyNVkuLPLhL3BhZ+J+GARmEAGDjB1DpuGNukranLwVQ5pE94UABxD6rdF0Oevh//8D';
    assert.deepEqual(unpackEvent(Buffer.from(okta, 'base64')), e);
    assert.deepEqual(unpackEvent(Buffer.from(generic, 'base64')), { ...e, source: 'generic', source_id: 'acme-generic' });
    assert.equal(packEvent(e)[0], 2, 'a vendor with a dictionary writes format 2');
    assert.throws(() => unpackEvent(Buffer.from([9, 1, 2])), /unknown packing/);
  });

  it('no key above its partition\'s ceiling: one tenant at 10,000 events a second writes under 1,000 units a second to any key', () => {
    // A second of one tenant's traffic: 10,000 events from four sources and 5,000 users, all of one day.
    const units = new Map<string, number>();
    const add = (key: string, bytes: number) => units.set(key, (units.get(key) ?? 0) + Math.ceil(bytes / 1024));
    for (let i = 0; i < 10_000; i++) {
      const e = { ...ev(i), source_id: `acme-${['okta', 'duo', 'entra', 'google'][i % 4]}`, event_uid: `${(i * 2_654_435_761 >>> 0).toString(16)}-${i}`, user_email: `user${i % 5_000}@example.com`, event_time: `2026-11-20T10:00:00.${String(i % 1000).padStart(3, '0')}Z` };
      const item = toItem(e, 90);
      add(`table:${item['pk']}`, itemSize(item));
      // A keys-only index entry: its keys, the table's keys and about 100 bytes.
      add(`by_user:${item['uk']}`, itemSize({ uk: item['uk'], pk: item['pk'], sk: item['sk'] }) + 100);
    }
    const max = (prefix: string) => Math.max(...[...units].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v));
    const tableKeys = [...units.keys()].filter((k) => k.startsWith('table:'));
    assert.equal(tableKeys.length, TIME_SHARDS, 'the day spreads over every shard');
    assert.ok(max('table:') < 1000, `busiest table key: ${max('table:')} write units in the second`);
    assert.ok(max('table:') > 10_000 / TIME_SHARDS * 0.8, 'the units were counted');
    assert.ok(max('by_user:') < 1000, `busiest user key: ${max('by_user:')}`);
    // Unsharded, the same second would have put all 10,000 items on one key.
    assert.ok([...units].filter(([k]) => k.startsWith('table:')).reduce((n, [, v]) => n + v, 0) >= 10_000);
  });

  it('while upgrading, an event the previous layout\'s table holds is a duplicate (checked by its old key), and not written', async () => {
    mock.on(BatchGetCommand).callsFake((input) => {
      const [table, req] = Object.entries(input.RequestItems as Record<string, { Keys: Record<string, string>[] }>)[0]!;
      if (table === 't') return { Responses: { t: [] } };
      assert.equal(table, 'old');
      return { Responses: { old: req.Keys.filter((k) => k['pk'] === 'acme-okta#uid-1').map((k) => ({ pk: k['pk'] })) } };
    });
    mock.on(PutCommand).resolves({});
    assert.deepEqual(await store({ legacyTable: 'old' }).putNew([ev(0), ev(1), ev(2)]), { accepted: 2, duplicates: 1, rejected: [], failed: [] });
    assert.deepEqual(mock.commandCalls(PutCommand).map((c) => putKey(c.args[0].input)).sort(), ['acme-okta#uid-0', 'acme-okta#uid-2']);
    const oldRead = mock.commandCalls(BatchGetCommand).find((c) => 'old' in c.args[0].input.RequestItems!)!;
    assert.deepEqual(oldRead.args[0].input.RequestItems!['old']!.Keys!.map((k) => Object.keys(k)), [['pk'], ['pk'], ['pk']], 'the old key is the id alone');
  });

  it('counts exactly under concurrent redeliveries, with stale pre-check reads, and never rewrites a stored item', async () => {
    const { items, writes } = fakeTable();
    const events = Array.from({ length: 200 }, (_, i) => ev(i));
    const results = await Promise.all(Array.from({ length: 20 }, (_, k) =>
      store().putNew(events.map((e) => ({ ...e, ingest_time: `2026-11-21T00:00:${String(k).padStart(2, '0')}.000Z` })))));
    assert.equal(results.reduce((n, r) => n + r.accepted, 0), 200);
    assert.equal(results.reduce((n, r) => n + r.duplicates, 0), 3_800);
    assert.equal(items.size, 200);
    assert.deepEqual([...new Set(writes.values())], [1], 'each item written once');
    assert.equal(mock.commandCalls(BatchWriteCommand).length, 0, 'no unconditional batch writes');
  });

  it('skips what the pre-check finds, writes the rest with one conditional PutItem each', async () => {
    mock.on(BatchGetCommand).callsFake((input) => {
      const keys = input.RequestItems.t.Keys as { pk: string; sk: string }[];
      return { Responses: { t: keys.filter((k) => ['acme-okta#uid-3', 'acme-okta#uid-59'].some((id) => k.sk.endsWith(`#${id}`))) } };
    });
    mock.on(PutCommand).resolves({});
    const r = await store().putNew(Array.from({ length: 60 }, (_, i) => ev(i)));
    assert.deepEqual(r, { accepted: 58, duplicates: 2, rejected: [], failed: [] });
    const puts = mock.commandCalls(PutCommand).map((c) => c.args[0].input);
    assert.equal(puts.length, 58);
    assert.ok(puts.every((p) => p.ConditionExpression === 'attribute_not_exists(pk)' && p.TableName === 't'));
    assert.equal(mock.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!['t']!.ConsistentRead, undefined, 'eventually consistent: half a read unit');
  });

  it('counts a lost race (ConditionalCheckFailedException) as a duplicate', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    mock.on(PutCommand).callsFake((input: PutCommandInput) => {
      if (putKey(input) === 'acme-okta#uid-2') throw ccf(toItem({ ...ev(2), ingest_time: '2026-11-20T23:59:59.999Z' }, 90));
      return {};
    });
    assert.deepEqual(await store().putNew([ev(1), ev(2), ev(3)]), { accepted: 2, duplicates: 1, rejected: [], failed: [] });
  });

  it('counts its own write as accepted when a retried PutItem fails its condition on it', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    // The SDK retried (attempts: 2) after a lost answer; the old item is ours.
    mock.on(PutCommand).rejectsOnce(ccf(toItem(ev(1), 90), 2)).rejectsOnce(ccf(toItem({ ...ev(2), ingest_time: '2026-11-20T00:00:00.000Z' }, 90), 2));
    assert.deepEqual(await store({ concurrency: 1 }).putNew([ev(1), ev(2)]), { accepted: 1, duplicates: 1, rejected: [], failed: [] });
  });

  it('rejects an item over 400 KB before it reaches DynamoDB, and stores the others', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    mock.on(PutCommand).resolves({});
    // Incompressible: the item holds the event compressed.
    const noise = randomBytes(450_000).toString('base64');
    const huge = ev(7, { reason: noise.slice(0, 300_000), raw: JSON.stringify({ reason: noise.slice(300_000) }) });
    assert.ok(itemSize(toItem(huge, 90)) > MAX_ITEM_BYTES);
    const events = [...Array.from({ length: 7 }, (_, i) => ev(i)), huge, ev(8)];
    const r = await store().putNew(events);
    assert.equal(r.accepted, 8);
    assert.deepEqual(r.rejected?.map((x) => x.index), [7]);
    assert.match(r.rejected![0]!.reason, /too large for the hot table/);
    assert.ok(!mock.commandCalls(PutCommand).some((c) => putKey(c.args[0].input) === 'acme-okta#uid-7'));
  });

  it('rejects a user key too long for the index and an event id too long for the sort key; a number JSON cannot hold is stored as null', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    mock.on(PutCommand).resolves({});
    const r = await store().putNew([ev(1, { user_email: `${'a'.repeat(2100)}@example.com` }), ev(2, { geo_lat: Number.NaN }), ev(3), ev(4, { event_uid: 'u'.repeat(1100) })]);
    assert.equal(r.accepted, 2);
    assert.deepEqual(r.rejected?.map((x) => [x.index, x.reason]), [
      [0, 'the event\'s user is too long for a hot table key (uk over 2048 bytes)'],
      [3, 'the event\'s id is too long for a hot table key (sk over 1024 bytes)'],
    ]);
    const stored = mock.commandCalls(PutCommand).map((c) => hotItemToEvent(c.args[0].input.Item!)!).find((e) => e.event_uid === 'uid-2')!;
    assert.equal(stored.geo_lat, null);
  });

  it('reports an item DynamoDB answers ValidationException for as rejected, the rest stored', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    mock.on(PutCommand).callsFake((input: PutCommandInput) => {
      if (putKey(input) === 'acme-okta#uid-1') throw awsError('ValidationException', 400, { message: 'Item size has exceeded the maximum allowed size' });
      return {};
    });
    const r = await store().putNew([ev(0), ev(1), ev(2)]);
    assert.deepEqual([r.accepted, r.duplicates, r.failed], [2, 0, []]);
    assert.deepEqual(r.rejected, [{ index: 1, reason: 'DynamoDB refused the event: Item size has exceeded the maximum allowed size' }]);
  });

  it('retries throttling and 5xx with backoff; what still fails is reported failed, never thrown', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    let calls = 0;
    mock.on(PutCommand).callsFake((input: PutCommandInput) => {
      calls++;
      const k = putKey(input);
      if (k === 'acme-okta#uid-0' && calls <= 2) throw awsError('ThrottlingException', 400);
      if (k === 'acme-okta#uid-1') throw awsError('InternalServerError', 500);
      if (k === 'acme-okta#uid-2') throw awsError('AccessDeniedException', 400);
      return {};
    });
    const r = await store({ concurrency: 1, maxAttempts: 3 }).putNew([ev(0), ev(1), ev(2), ev(3)]);
    assert.equal(r.accepted, 2);
    assert.deepEqual(r.failed?.map((f) => [f.index, f.reason.split(':')[0]]), [[1, 'InternalServerError'], [2, 'AccessDeniedException']]);
    const attempts = (k: string) => mock.commandCalls(PutCommand).filter((c) => putKey(c.args[0].input) === k).length;
    assert.deepEqual([attempts('acme-okta#uid-0'), attempts('acme-okta#uid-1'), attempts('acme-okta#uid-2')], [3, 3, 1], 'access denied is not retried');
  });

  it('still writes (conditionally) when the pre-check read fails', async () => {
    mock.on(BatchGetCommand).rejects(awsError('InternalServerError', 500));
    mock.on(PutCommand).callsFake((input: PutCommandInput) => { if (putKey(input) === 'acme-okta#uid-1') throw ccf(); return {}; });
    assert.deepEqual(await store().putNew([ev(0), ev(1)]), { accepted: 1, duplicates: 1, rejected: [], failed: [] });
  });

  it('keeps at most `concurrency` writes in flight', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    let inFlight = 0;
    let max = 0;
    mock.on(PutCommand).callsFake(async () => {
      max = Math.max(max, ++inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight--;
      return {};
    });
    const r = await store({ concurrency: 5 }).putNew(Array.from({ length: 40 }, (_, i) => ev(i)));
    assert.equal(r.accepted, 40);
    assert.equal(max, 5);
  });
});
