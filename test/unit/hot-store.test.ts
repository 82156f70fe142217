import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, PutCommand, type PutCommandInput } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { dynamoHotStore, itemSize, MAX_ITEM_BYTES, TIME_INDEX_SHARDS, timeIndexPartitions, timeIndexShard, toItem } from '../../lambdas/adapters/hot-store.ts';
import { INDEX_PROJECTION } from '../../lambdas/adapters/table-layout.ts';
import { EMPTY_FIELDS, type AuthEvent } from '../../lambdas/core/event.ts';

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
const putKey = (input: PutCommandInput) => input.Item!['pk'] as string;

/**
 * A stand-in for DynamoDB's semantics that matter here: consistent reads see completed writes,
 * a conditional put is atomic, an unconditional one overwrites. Calls yield to the event loop,
 * so concurrent putNew calls interleave like concurrent Lambda invocations.
 */
function fakeTable() {
  const items = new Map<string, Record<string, unknown>>();
  const writes = new Map<string, number>();
  const tick = () => new Promise((r) => setImmediate(r));
  mock.on(BatchGetCommand).callsFake(async (input) => {
    await tick();
    const keys = input.RequestItems.t.Keys as { pk: string }[];
    return { Responses: { t: keys.filter((k) => items.has(k.pk)).map((k) => ({ pk: k.pk })) } };
  });
  mock.on(PutCommand).callsFake(async (input: PutCommandInput) => {
    await tick();
    const pk = putKey(input);
    if (input.ConditionExpression === 'attribute_not_exists(pk)' && items.has(pk)) throw ccf(items.get(pk));
    items.set(pk, input.Item!);
    writes.set(pk, (writes.get(pk) ?? 0) + 1);
    return {};
  });
  mock.on(BatchWriteCommand).callsFake(async (input) => {
    await tick();
    for (const w of input.RequestItems.t as { PutRequest: { Item: Record<string, unknown> } }[]) {
      const pk = w.PutRequest.Item['pk'] as string;
      items.set(pk, w.PutRequest.Item);
      writes.set(pk, (writes.get(pk) ?? 0) + 1);
    }
    return {};
  });
  return { items, writes };
}

describe('DynamoDB hot store', () => {
  beforeEach(() => mock.reset());

  it('derives the key from source_id + event_uid and indexes tenant+user and tenant+day', () => {
    const item = toItem(ev(1), 90);
    assert.equal(item['pk'], 'acme-okta#uid-1');
    assert.equal(item['gsi1pk'], 'acme#jo@example.com');
    assert.equal(item['gsi2pk'], `acme#2026-11-20#${String(timeIndexShard('acme-okta#uid-1')).padStart(2, '0')}`);
    assert.ok(timeIndexPartitions('acme', '2026-11-20').includes(item['gsi2pk'] as string), 'a reader of the day reads its shard');
    assert.equal(item['gsi2sk'], '2026-11-20T10:00:00.000Z#acme-okta#uid-1');
    assert.equal(item['expires_at'], Date.parse('2026-11-21T00:00:00Z') / 1000 + 90 * 86_400);
    assert.equal('reason' in item, false, 'nulls are not stored');
  });

  it('no index key above its partition\'s ceiling: one tenant at 10,000 events a second writes under 1,000 units a second to any key', () => {
    // A second of one tenant's traffic: 10,000 events from four sources and 5,000 users, all of one day.
    const units = new Map<string, number>();
    const add = (key: string, bytes: number) => units.set(key, (units.get(key) ?? 0) + Math.ceil(bytes / 1024));
    for (let i = 0; i < 10_000; i++) {
      const e = { ...ev(i), source_id: `acme-${['okta', 'duo', 'entra', 'google'][i % 4]}`, event_uid: `${(i * 2_654_435_761 >>> 0).toString(16)}-${i}`, user_email: `user${i % 5_000}@example.com`, event_time: `2026-11-20T10:00:00.${String(i % 1000).padStart(3, '0')}Z` };
      const item = toItem(e, 90);
      const size = (keys: string[]) => itemSize(Object.fromEntries([...keys, ...INDEX_PROJECTION].map((k) => [k, item[k]]))) + 100;
      add(`table:${item['pk']}`, itemSize(item));
      add(`by_user:${item['gsi1pk']}`, size(['pk', 'gsi1pk', 'gsi1sk']));
      add(`by_time:${item['gsi2pk']}`, size(['pk', 'gsi2pk', 'gsi2sk']));
    }
    const max = (prefix: string) => Math.max(...[...units].filter(([k]) => k.startsWith(prefix)).map(([, v]) => v));
    const byTimeKeys = [...units.keys()].filter((k) => k.startsWith('by_time:'));
    assert.equal(byTimeKeys.length, TIME_INDEX_SHARDS, 'the day spreads over every shard');
    assert.ok(max('by_time:') < 1000, `busiest time-index key: ${max('by_time:')} write units in the second`);
    assert.ok(max('by_time:') > 10_000 / TIME_INDEX_SHARDS * 0.8, 'the units were counted');
    assert.ok(max('by_user:') < 1000, `busiest user key: ${max('by_user:')}`);
    assert.ok(max('table:') < 1000);
    // Unsharded, the same second would have put all 10,000 entries on one key.
    assert.ok([...units].filter(([k]) => k.startsWith('by_time:')).reduce((n, [, v]) => n + v, 0) >= 10_000);
  });

  it('counts exactly under concurrent redeliveries and never rewrites a stored item', async () => {
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

  it('skips what the consistent pre-check finds, writes the rest with one conditional PutItem each', async () => {
    mock.on(BatchGetCommand).callsFake((input) => {
      const keys = input.RequestItems.t.Keys as { pk: string }[];
      return { Responses: { t: keys.filter((k) => ['acme-okta#uid-3', 'acme-okta#uid-59'].includes(k.pk)) } };
    });
    mock.on(PutCommand).resolves({});
    const r = await store().putNew(Array.from({ length: 60 }, (_, i) => ev(i)));
    assert.deepEqual(r, { accepted: 58, duplicates: 2, rejected: [], failed: [] });
    const puts = mock.commandCalls(PutCommand).map((c) => c.args[0].input);
    assert.equal(puts.length, 58);
    assert.ok(puts.every((p) => p.ConditionExpression === 'attribute_not_exists(pk)' && p.TableName === 't'));
    assert.equal(mock.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!['t']!.ConsistentRead, true);
  });

  it('counts a lost race (ConditionalCheckFailedException) as a duplicate', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    mock.on(PutCommand).callsFake((input: PutCommandInput) => {
      if (putKey(input) === 'acme-okta#uid-2') throw ccf({ ...toItem(ev(2), 90), ingest_time: '2026-11-20T23:59:59.999Z' });
      return {};
    });
    assert.deepEqual(await store().putNew([ev(1), ev(2), ev(3)]), { accepted: 2, duplicates: 1, rejected: [], failed: [] });
  });

  it('counts its own write as accepted when a retried PutItem fails its condition on it', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    // The SDK retried (attempts: 2) after a lost answer; the old item is ours.
    mock.on(PutCommand).rejectsOnce(ccf(toItem(ev(1), 90), 2)).rejectsOnce(ccf({ ...toItem(ev(2), 90), ingest_time: '2026-11-20T00:00:00.000Z' }, 2));
    assert.deepEqual(await store({ concurrency: 1 }).putNew([ev(1), ev(2)]), { accepted: 1, duplicates: 1, rejected: [], failed: [] });
  });

  it('rejects an item over 400 KB before it reaches DynamoDB, and stores the others', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    mock.on(PutCommand).resolves({});
    const huge = ev(7, { reason: 'x'.repeat(250_000), raw: JSON.stringify({ reason: 'x'.repeat(250_000) }) });
    assert.ok(itemSize(toItem(huge, 90)) > MAX_ITEM_BYTES);
    const events = [...Array.from({ length: 7 }, (_, i) => ev(i)), huge, ev(8)];
    const r = await store().putNew(events);
    assert.equal(r.accepted, 8);
    assert.deepEqual(r.rejected?.map((x) => x.index), [7]);
    assert.match(r.rejected![0]!.reason, /too large for the hot table/);
    assert.ok(!mock.commandCalls(PutCommand).some((c) => putKey(c.args[0].input) === 'acme-okta#uid-7'));
  });

  it('rejects a user key too long for an index, and a value that does not marshal', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    mock.on(PutCommand).resolves({});
    const r = await store().putNew([ev(1, { user_email: `${'a'.repeat(2100)}@example.com` }), ev(2, { geo_lat: Number.NaN }), ev(3)]);
    assert.equal(r.accepted, 1);
    assert.deepEqual(r.rejected?.map((x) => [x.index, /user/.test(x.reason) || /cannot store/.test(x.reason)]), [[0, true], [1, true]]);
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
