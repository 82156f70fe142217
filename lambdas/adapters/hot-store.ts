/**
 * The DynamoDB hot table. The item key is derived from `source_id` + `event_uid`, so a
 * redelivered event always lands on the same item; new events are found with one batched
 * consistent read and written in parallel batches of 25, retrying unprocessed items.
 *
 * Indexes: `by_user` (tenant + user, newest first) and `by_time` (tenant + day, by time), both
 * projecting every canonical field but `raw`.
 */
import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuthEvent } from '../core/event.ts';
import type { HotStore } from '../core/ingest.ts';

export const itemKey = (e: Pick<AuthEvent, 'source_id' | 'event_uid'>) => `${e.source_id}#${e.event_uid}`;

/** The subject a tenant's investigators search by: email, else login, else the vendor's user id. */
export const userKey = (e: AuthEvent) => (e.user_email ?? e.user_login ?? e.user_id)?.toLowerCase() ?? null;

export function toItem(e: AuthEvent, hotDays: number): Record<string, unknown> {
  const pk = itemKey(e);
  const item: Record<string, unknown> = { pk };
  for (const [k, v] of Object.entries(e)) if (v !== null) item[k] = v;
  const user = userKey(e);
  if (user) {
    item['gsi1pk'] = `${e.tenant}#${user}`;
    item['gsi1sk'] = `${e.event_time}#${pk}`;
  }
  item['gsi2pk'] = `${e.tenant}#${e.event_time.slice(0, 10)}`;
  item['gsi2sk'] = `${e.event_time}#${pk}`;
  // Expiry counts from first storage, so a late event is still deduplicated for hotDays.
  item['expires_at'] = Math.floor(Date.parse(e.ingest_time) / 1000) + hotDays * 86_400;
  return item;
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

export class HotStoreError extends Error {
  override name = 'HotStoreError';
}

export interface DynamoHotStoreOptions {
  readonly client: DynamoDBDocumentClient;
  readonly table: string;
  readonly hotDays: number;
  readonly concurrency?: number;
  readonly maxAttempts?: number;
}

export function dynamoHotStore(o: DynamoHotStoreOptions): HotStore {
  const concurrency = o.concurrency ?? 8;
  const maxAttempts = o.maxAttempts ?? 8;

  async function existing(keys: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    await pool(chunks(keys, 100), concurrency, async (batch) => {
      let pending: Record<string, unknown>[] | undefined = batch.map((pk) => ({ pk }));
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt >= maxAttempts) throw new HotStoreError(`hot table: ${pending.length} keys still unprocessed after ${maxAttempts} reads`);
        if (attempt) await sleep(backoff(attempt));
        const r = await o.client.send(new BatchGetCommand({
          RequestItems: { [o.table]: { Keys: pending, ConsistentRead: true, ProjectionExpression: 'pk' } },
        }));
        for (const it of r.Responses?.[o.table] ?? []) found.add(it['pk'] as string);
        pending = r.UnprocessedKeys?.[o.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    });
    return found;
  }

  async function write(items: Record<string, unknown>[]) {
    await pool(chunks(items, 25), concurrency, async (batch) => {
      let pending = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt >= maxAttempts) throw new HotStoreError(`hot table: ${pending.length} items still unprocessed after ${maxAttempts} writes`);
        if (attempt) await sleep(backoff(attempt));
        const r = await o.client.send(new BatchWriteCommand({ RequestItems: { [o.table]: pending } }));
        pending = (r.UnprocessedItems?.[o.table] ?? []) as typeof pending;
      }
    });
  }

  return {
    async putNew(events) {
      const keys = events.map(itemKey);
      const have = await existing(keys);
      const fresh = events.filter((_, i) => !have.has(keys[i]!));
      if (fresh.length) await write(fresh.map((e) => toItem(e, o.hotDays)));
      return { accepted: fresh.length, duplicates: events.length - fresh.length };
    },
  };
}
