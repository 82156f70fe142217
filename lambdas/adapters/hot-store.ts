/**
 * The DynamoDB hot table. The item key is derived from `source_id` + `event_uid`, so a
 * redelivered event always lands on the same item.
 *
 * Write path (exact under any concurrency, a stored item is never rewritten):
 * 1. One consistent BatchGet (keys only) finds events already stored.
 * 2. Every other event is written with its own PutItem conditioned on
 *    `attribute_not_exists(pk)`, a bounded number in flight. A ConditionalCheckFailedException
 *    means another delivery stored it first: a duplicate. BatchWriteItem cannot carry
 *    conditions (two racing deliveries would both count the event as new and rewrite it), and
 *    TransactWriteItems would double the write units.
 * 3. Items are checked before they are sent: one DynamoDB cannot take (over 400 KB as it counts
 *    attribute names + values, keeping a margin; an index key over its limit; a value that does
 *    not marshal) is reported `rejected` for the quarantine and never reaches DynamoDB, as is one
 *    DynamoDB answers ValidationException. Throttling, 5xx and network errors are retried (the
 *    SDK's own retries, then a few more here with backoff); what still fails is reported
 *    `failed`, and the caller does not acknowledge it.
 *
 * Why keep the BatchGet (step 1)? Without it a redelivered event costs a failed conditional
 * write, which DynamoDB charges as a write of the item's size (an Okta event with `raw`: 3–4
 * write units at $0.625 per million) instead of one strongly consistent read unit (items up to
 * 4 KB, $0.125 per million). Redeliveries are common (vendor retries, pull reconcilers whose
 * windows overlap the webhook feed): the check pays for itself above ~5% redelivered events, and
 * costs 1 read unit per event below that. Cost per event: new 1 read unit + the item's write
 * units (1 per started KB, plus one per index entry) — the conditional PutItem adds no write unit
 * over the unconditional batch write it replaces; duplicate: 1 read unit and no write; two
 * deliveries racing past the check: one failed conditional write for the loser.
 *
 * Was it ours? If the SDK retried a PutItem whose first attempt stored the item but whose
 * answer was lost, the retry fails its condition on our own write. Only then (more than one
 * attempt) the old item, returned with the failure, is compared with ours (same `ingest_time`
 * and `expires_at`, to the millisecond) to count it accepted rather than duplicate.
 *
 * Indexes: `by_user` (tenant + user, newest first) and `by_time` (tenant + day + write shard, by
 * time), both projecting every canonical field but `raw`.
 */
import { BatchGetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AuthEvent } from '../core/event.ts';
import type { HotStore, StoreOutcome } from '../core/ingest.ts';

export const itemKey = (e: Pick<AuthEvent, 'source_id' | 'event_uid'>) => `${e.source_id}#${e.event_uid}`;

/** The subject a tenant's investigators search by: email, else login, else the vendor's user id. */
export const userKey = (e: AuthEvent) => (e.user_email ?? e.user_login ?? e.user_id)?.toLowerCase() ?? null;

/**
 * The time index is write-sharded: a tenant's day is spread over `TIME_INDEX_SHARDS` partition keys
 * (`<tenant>#<day>#<shard>`, the shard a hash of the item key), because DynamoDB gives one
 * partition key about 1,000 write units a second and does not split a partition whose writes
 * arrive in sort-key order — and a throttled index throttles the table's writes. 16 shards keep
 * one tenant at 10,000 events a second under that ceiling (test/unit/hot-store.test.ts computes
 * it from these functions). The shard comes from the item key, so a retried write lands on the
 * same index key.
 */
export const TIME_INDEX_SHARDS = 16;

/** FNV-1a, 32 bits: a stable, even spread of item keys over the shards. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export const timeIndexShard = (itemKey: string) => fnv1a(itemKey) % TIME_INDEX_SHARDS;

/** The time index's partition key of one item. */
export const timeIndexKey = (tenant: string, dt: string, itemKey: string) => `${tenant}#${dt}#${String(timeIndexShard(itemKey)).padStart(2, '0')}`;

/**
 * Every time-index partition key of a tenant's day, which a reader queries and merges: the shards,
 * and the unsharded key `<tenant>#<day>` under which versions before sharding indexed a day (it
 * holds nothing once `hotDays` have passed since the upgrade; reading it costs one empty Query).
 */
export const timeIndexPartitions = (tenant: string, dt: string): string[] => [
  ...Array.from({ length: TIME_INDEX_SHARDS }, (_, i) => `${tenant}#${dt}#${String(i).padStart(2, '0')}`),
  `${tenant}#${dt}`,
];

export function toItem(e: AuthEvent, hotDays: number): Record<string, unknown> {
  const pk = itemKey(e);
  const item: Record<string, unknown> = { pk };
  for (const [k, v] of Object.entries(e)) if (v !== null) item[k] = v;
  const user = userKey(e);
  if (user) {
    item['gsi1pk'] = `${e.tenant}#${user}`;
    item['gsi1sk'] = `${e.event_time}#${pk}`;
  }
  item['gsi2pk'] = timeIndexKey(e.tenant, e.event_time.slice(0, 10), pk);
  item['gsi2sk'] = `${e.event_time}#${pk}`;
  // Expiry counts from first storage, so a late event is still deduplicated for hotDays.
  item['expires_at'] = Math.floor(Date.parse(e.ingest_time) / 1000) + hotDays * 86_400;
  return item;
}

/** DynamoDB's item size limit. */
export const MAX_ITEM_BYTES = 400 * 1024;
/** Kept free below it, for the approximations in `itemSize`. */
export const ITEM_SIZE_MARGIN = 2 * 1024;
const MAX_PARTITION_KEY_BYTES = 2048;
const MAX_SORT_KEY_BYTES = 1024;

/**
 * An item's size as DynamoDB counts it: attribute names plus values (strings in UTF-8 bytes,
 * numbers ~1 byte per two significant digits + 1, booleans and nulls 1, nested values 3 + their
 * contents, overestimated here as their JSON).
 */
export function itemSize(item: Record<string, unknown>): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) {
    if (v === undefined) continue;
    n += Buffer.byteLength(k);
    if (typeof v === 'string') n += Buffer.byteLength(v);
    else if (typeof v === 'number') n += Math.ceil(String(Math.abs(v)).replace(/e.*$/i, '').replace(/\D/g, '').replace(/^0+/, '').length / 2) + 1;
    else if (typeof v === 'boolean' || v === null) n += 1;
    else n += 3 + Buffer.byteLength(JSON.stringify(v) ?? '');
  }
  return n;
}

/** Why DynamoDB can never take this item, or null. */
export function unstorable(item: Record<string, unknown>): string | null {
  if (itemSize(item) > MAX_ITEM_BYTES - ITEM_SIZE_MARGIN) {
    return `the event is too large for the hot table (over ${MAX_ITEM_BYTES - ITEM_SIZE_MARGIN} bytes as DynamoDB counts them)`;
  }
  for (const [k, max] of [['pk', MAX_PARTITION_KEY_BYTES], ['gsi1pk', MAX_PARTITION_KEY_BYTES], ['gsi2pk', MAX_PARTITION_KEY_BYTES], ['gsi1sk', MAX_SORT_KEY_BYTES], ['gsi2sk', MAX_SORT_KEY_BYTES]] as const) {
    const v = item[k];
    if (typeof v === 'string' && Buffer.byteLength(v) > max) return `the event's ${k === 'gsi1pk' ? 'user' : 'key'} is too long for a hot table key (${k} over ${max} bytes)`;
  }
  try {
    marshall(item, { removeUndefinedValues: true, convertEmptyValues: false });
  } catch (err) {
    return `the event has a value DynamoDB cannot store: ${(err as Error).message.slice(0, 200)}`;
  }
  return null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const backoff = (attempt: number) => Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/** Runs tasks with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

interface AwsError { name?: string; message?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number; attempts?: number }; Item?: Record<string, { S?: string; N?: string }> }

const RETRYABLE = new Set([
  'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'InternalServerError',
  'ServiceUnavailable', 'TransactionConflictException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException',
]);
/** Worth another attempt: throttling, server-side and network failures. */
function retryable(e: AwsError): boolean {
  return RETRYABLE.has(e.name ?? '') || !!e.$retryable || (e.$metadata?.httpStatusCode ?? 0) >= 500
    || /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN)$/.test(e.code ?? '');
}

export interface DynamoHotStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly table: string;
  readonly hotDays: number;
  /** PutItem calls in flight per `putNew`. */
  readonly concurrency?: number;
  /** Attempts per item here, on top of the SDK's own retries. */
  readonly maxAttempts?: number;
  readonly backoffMs?: (attempt: number) => number;
}

export function dynamoHotStore(o: DynamoHotStoreOptions): HotStore {
  const concurrency = o.concurrency ?? 16;
  const maxAttempts = o.maxAttempts ?? 3;
  const wait = o.backoffMs ?? backoff;

  /** Keys already stored. Best effort: a key it could not read is simply written conditionally. */
  async function existing(keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    await pool(chunks([...new Set(keys)], 100), concurrency, async (batch) => {
      let pending: Record<string, unknown>[] | undefined = batch.map((pk) => ({ pk }));
      for (let attempt = 0; pending?.length && attempt < maxAttempts; attempt++) {
        if (attempt) await sleep(wait(attempt));
        try {
          const r = await o.client.send(new BatchGetCommand({
            RequestItems: { [o.table]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'pk' } },
          }));
          for (const it of r.Responses?.[o.table] ?? []) found.add(it['pk'] as string);
          pending = r.UnprocessedKeys?.[o.table]?.Keys as Record<string, unknown>[] | undefined;
        } catch {
          return;
        }
      }
    });
    return found;
  }

  return {
    async putNew(events) {
      const out: Required<StoreOutcome> = { accepted: 0, duplicates: 0, rejected: [], failed: [] };
      const keys = events.map(itemKey);
      const have = await existing(keys);
      const fresh: number[] = [];
      events.forEach((_, i) => (have.has(keys[i]!) ? out.duplicates++ : fresh.push(i)));

      await pool(fresh, concurrency, async (i) => {
        const item = toItem(events[i]!, o.hotDays);
        const why = unstorable(item);
        if (why) { out.rejected.push({ index: i, reason: why }); return; }
        for (let attempt = 1; ; attempt++) {
          try {
            await o.client.send(new PutCommand({
              TableName: o.table, Item: item,
              ConditionExpression: 'attribute_not_exists(pk)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }));
            out.accepted++;
            return;
          } catch (err) {
            const e = err as AwsError;
            if (e.name === 'ConditionalCheckFailedException') {
              // After a retried attempt the item may be our own write whose answer was lost.
              const retried = attempt > 1 || (e.$metadata?.attempts ?? 1) > 1;
              const old = e.Item;
              const ours = retried && old?.['ingest_time']?.S === item['ingest_time'] && old?.['expires_at']?.N === String(item['expires_at']);
              if (ours) out.accepted++;
              else out.duplicates++;
              return;
            }
            if (e.name === 'ValidationException') {
              out.rejected.push({ index: i, reason: `DynamoDB refused the event: ${(e.message ?? '').slice(0, 200)}` });
              return;
            }
            if (attempt < maxAttempts && retryable(e)) { await sleep(wait(attempt)); continue; }
            out.failed.push({ index: i, reason: `${e.name ?? 'Error'}: ${(e.message ?? '').slice(0, 200)}` });
            return;
          }
        }
      });
      return out;
    },
  };
}
