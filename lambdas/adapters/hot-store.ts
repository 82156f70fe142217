/**
 * The DynamoDB hot table (item layout: core/hot-item.ts). The item key is derived from the
 * tenant, `event_time`, `source_id` and `event_uid`, so a redelivered event always lands on the
 * same item.
 *
 * Write path (exact under any concurrency, a stored item is never rewritten):
 * 1. One BatchGet (keys only, eventually consistent) finds events already stored — and, while a
 *    deployment upgrades from the previous layout, the events the previous table holds
 *    (`legacyTable`). It is a saving, not the guard: an event stored a moment ago that the read
 *    does not see yet is caught by step 2's condition.
 * 2. Every other event is written with its own PutItem conditioned on
 *    `attribute_not_exists(pk)`, a bounded number in flight. A ConditionalCheckFailedException
 *    means another delivery stored it first: a duplicate. BatchWriteItem cannot carry
 *    conditions (two racing deliveries would both count the event as new and rewrite it), and
 *    TransactWriteItems would double the write units.
 * 3. Items are checked before they are sent: one DynamoDB cannot take (over 400 KB as it counts
 *    attribute names + values, keeping a margin; a key over its limit; a value that does not
 *    marshal) is reported `rejected` for the quarantine and never reaches DynamoDB, as is one
 *    DynamoDB answers ValidationException. Throttling, 5xx and network errors are retried (the
 *    SDK's own retries, then a few more here with backoff); what still fails is reported
 *    `failed`, and the caller does not acknowledge it.
 *
 * Why keep the BatchGet (step 1)? Without it a redelivered event costs a failed conditional
 * write, which DynamoDB charges as a write of the item's size, instead of half a read unit (an
 * eventually consistent read of an item up to 4 KB; $0.125 per million read units against $0.625
 * per million write units). Redeliveries are common (vendor retries, pull reconcilers whose
 * windows overlap the webhook feed: then every event arrives twice); the check pays for itself
 * above ~10 % redelivered events. Cost per event: new ½ read unit + the item's write units (1 per
 * started KB, plus 1 for its `by_user` entry); duplicate: ½ read unit and no write; a delivery
 * racing past the check: one failed conditional write for the loser.
 *
 * Was it ours? If the SDK retried a PutItem whose first attempt stored the item but whose
 * answer was lost, the retry fails its condition on our own write. Only then (more than one
 * attempt) the old item, returned with the failure, is compared with ours (the packed event holds
 * `ingest_time` to the millisecond, and `expires_at`) to count it accepted rather than duplicate.
 */
import { BatchGetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { AuthEvent } from '../core/event.ts';
import { eventId, hotKey, toHotItem } from '../core/hot-item.ts';
import type { HotStore, StoreOutcome } from '../core/ingest.ts';

export { dayPartitions, hotKey, TIME_SHARDS, userKey } from '../core/hot-item.ts';

export const toItem = toHotItem;

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
    else if (v instanceof Uint8Array) n += v.byteLength;
    else n += 3 + Buffer.byteLength(JSON.stringify(v) ?? '');
  }
  return n;
}

/** Why DynamoDB can never take this item, or null. */
export function unstorable(item: Record<string, unknown>): string | null {
  if (itemSize(item) > MAX_ITEM_BYTES - ITEM_SIZE_MARGIN) {
    return `the event is too large for the hot table (over ${MAX_ITEM_BYTES - ITEM_SIZE_MARGIN} bytes as DynamoDB counts them)`;
  }
  for (const [k, max] of [['pk', MAX_PARTITION_KEY_BYTES], ['uk', MAX_PARTITION_KEY_BYTES], ['sk', MAX_SORT_KEY_BYTES]] as const) {
    const v = item[k];
    if (typeof v === 'string' && Buffer.byteLength(v) > max) return `the event's ${k === 'uk' ? 'user' : 'id'} is too long for a hot table key (${k} over ${max} bytes)`;
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

interface AwsError { name?: string; message?: string; code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number; attempts?: number }; Item?: Record<string, { S?: string; N?: string; B?: Uint8Array }> }

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
  /** Days an item stays: one for all, or a tenant's own (`tenants[].retention.hotDays`). */
  readonly hotDays: number | ((tenant: string) => number);
  /**
   * The table of the previous layout (keyed `<source_id>#<event_uid>` alone), while a deployment
   * upgrades: an event it already holds is a duplicate too. Read only, and only for `hotDays`
   * after the upgrade (then it is empty and can go).
   */
  readonly legacyTable?: string | undefined;
  /** PutItem calls in flight per `putNew`. */
  readonly concurrency?: number;
  /** Attempts per item here, on top of the SDK's own retries. */
  readonly maxAttempts?: number;
  readonly backoffMs?: (attempt: number) => number;
}

const sameBytes = (a: unknown, b: unknown) =>
  a instanceof Uint8Array && b instanceof Uint8Array && a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;

export function dynamoHotStore(o: DynamoHotStoreOptions): HotStore {
  const concurrency = o.concurrency ?? 16;
  const maxAttempts = o.maxAttempts ?? 3;
  const wait = o.backoffMs ?? backoff;

  /**
   * Which of `keys` a table holds (keyed by `id` of each key). Best effort: a key it could not
   * read is simply written conditionally (in the legacy table: the duplicate it may be is not
   * recognised, the same as without the check).
   */
  async function existing(table: string, keys: { id: string; key: Record<string, string> }[]): Promise<Set<string>> {
    const found = new Set<string>();
    const idOf = (k: Record<string, unknown>) => Object.keys(k).sort().map((a) => `${a}=${String(k[a])}`).join('\u0000');
    const byKey = new Map(keys.map((k) => [idOf(k.key), k]));
    await pool(chunks([...byKey.values()], 100), concurrency, async (batch) => {
      let pending: Record<string, unknown>[] | undefined = batch.map((k) => k.key);
      for (let attempt = 0; pending?.length && attempt < maxAttempts; attempt++) {
        if (attempt) await sleep(wait(attempt));
        try {
          const projection = Object.keys(pending[0]!);
          const r = await o.client.send(new BatchGetCommand({
            RequestItems: { [table]: { Keys: pending, ProjectionExpression: projection.map((_, i) => `#k${i}`).join(', '), ExpressionAttributeNames: Object.fromEntries(projection.map((a, i) => [`#k${i}`, a])) } },
          }));
          for (const it of r.Responses?.[table] ?? []) {
            const k = byKey.get(idOf(it));
            if (k) found.add(k.id);
          }
          pending = r.UnprocessedKeys?.[table]?.Keys as Record<string, unknown>[] | undefined;
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
      const ids = events.map(eventId);
      const have = await existing(o.table, events.map((e, i) => ({ id: ids[i]!, key: hotKey(e) })));
      if (o.legacyTable) {
        const rest = events.flatMap((_, i) => (have.has(ids[i]!) ? [] : [{ id: ids[i]!, key: { pk: ids[i]! } }]));
        for (const id of await existing(o.legacyTable, rest)) have.add(id);
      }
      const fresh: number[] = [];
      events.forEach((_, i) => (have.has(ids[i]!) ? out.duplicates++ : fresh.push(i)));

      await pool(fresh, concurrency, async (i) => {
        const item = toHotItem(events[i]!, typeof o.hotDays === 'number' ? o.hotDays : o.hotDays(events[i]!.tenant));
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
              const ours = retried && sameBytes(old?.['ev']?.B, item['ev']) && old?.['expires_at']?.N === String(item['expires_at']);
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
