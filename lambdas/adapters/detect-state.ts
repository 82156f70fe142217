/**
 * Detector state in the state table.
 *
 * - `detect#<tenant>#<key>`, the key from `keyOf` in core/detect/engine.ts: `<user>` (lower
 *   case), `*` for tenant-wide rules, `ip:<address>` for IP-keyed rules: the evidence in the
 *   windows, the open alerts, and for a user the sign-in profile and recent vendor sessions,
 *   under optimistic concurrency (a version number), expiring by TTL once no window, suppression
 *   or profile can need them.
 * - `feed#<source>`: when the source last delivered a new event, for feed-silence checks.
 */
import { BatchGetCommand, GetCommand, PutCommand, UpdateCommand, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KeyState } from '../core/detect/engine.ts';

export interface StoredState { state: KeyState; version: number }

export class StateConflictError extends Error {
  override name = 'StateConflictError';
}

const conditionFailed = (err: unknown) => (err as { name?: string }).name === 'ConditionalCheckFailedException';

function fromItem(item: Record<string, unknown> | undefined): StoredState {
  if (!item) return { state: { occ: {}, open: {} }, version: 0 };
  const state: KeyState = { occ: (item['occ'] ?? {}) as KeyState['occ'], open: (item['open'] ?? {}) as KeyState['open'] };
  if (item['profile']) state.profile = item['profile'] as KeyState['profile'] & object;
  if (item['sessions']) state.sessions = item['sessions'] as KeyState['sessions'] & object;
  return { state, version: Number(item['version'] ?? 0) };
}

export interface DetectState {
  get(tenant: string, key: string): Promise<StoredState>;
  /** Many keys in few requests (100 per consistent BatchGetItem); optional for test doubles. */
  getMany?(keys: readonly { tenant: string; key: string }[]): Promise<StoredState[]>;
  put(tenant: string, key: string, s: StoredState, expiresAt: number): Promise<void>;
}

export function dynamoDetectState(o: { client: DynamoDBDocumentClient; table: string }): DetectState {
  const pk = (tenant: string, key: string) => `detect#${tenant}#${key}`;
  return {
    async get(tenant: string, key: string): Promise<StoredState> {
      const r = await o.client.send(new GetCommand({ TableName: o.table, Key: { pk: pk(tenant, key) }, ConsistentRead: true }));
      return fromItem(r.Item);
    },
    async getMany(keys) {
      const found = new Map<string, Record<string, unknown>>();
      const ids = [...new Set(keys.map((k) => pk(k.tenant, k.key)))];
      for (let i = 0; i < ids.length; i += 100) {
        let pending: Record<string, unknown>[] | undefined = ids.slice(i, i + 100).map((id) => ({ pk: id }));
        for (let attempt = 0; pending?.length; attempt++) {
          if (attempt >= 8) throw new Error(`detector state: ${pending.length} keys still unprocessed after 8 reads`);
          if (attempt) await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
          const r: BatchGetCommandOutput = await o.client.send(new BatchGetCommand({ RequestItems: { [o.table]: { Keys: pending, ConsistentRead: true } } }));
          for (const it of r.Responses?.[o.table] ?? []) found.set(it['pk'] as string, it);
          pending = r.UnprocessedKeys?.[o.table]?.Keys as Record<string, unknown>[] | undefined;
        }
      }
      return keys.map((k) => fromItem(found.get(pk(k.tenant, k.key))));
    },
    /** Writes the state if nobody wrote since `version` was read; else StateConflictError. */
    async put(tenant: string, key: string, s: StoredState, expiresAt: number): Promise<void> {
      try {
        await o.client.send(new PutCommand({
          TableName: o.table,
          Item: { pk: pk(tenant, key), occ: s.state.occ, open: s.state.open, ...(s.state.profile ? { profile: s.state.profile } : {}), ...(s.state.sessions ? { sessions: s.state.sessions } : {}), version: s.version + 1, expires_at: expiresAt },
          ...(s.version ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': s.version } } : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }));
      } catch (err) {
        if (conditionFailed(err)) throw new StateConflictError('detector state changed concurrently');
        throw err;
      }
    },
  };
}

export interface FeedRecord {
  sourceId: string;
  tenant: string;
  /** When authtrail stored the newest event of the source (epoch ms). */
  lastIngest: number;
  lastEventTime: number;
  lastUid: string | null;
  /** `lastIngest` of the silence already alerted on, if any. */
  alertedFor: number | null;
}

export function dynamoFeeds(o: { client: DynamoDBDocumentClient; table: string }) {
  const pk = (sourceId: string) => `feed#${sourceId}`;
  return {
    /** Moves the source's last delivery forward (never back: batches may be processed out of order). */
    async touch(r: Omit<FeedRecord, 'alertedFor'>): Promise<void> {
      try {
        await o.client.send(new UpdateCommand({
          TableName: o.table,
          Key: { pk: pk(r.sourceId) },
          UpdateExpression: 'SET tenant = :tenant, last_ingest = :t, last_event_time = :e, last_uid = :u',
          ConditionExpression: 'attribute_not_exists(last_ingest) OR last_ingest < :t',
          ExpressionAttributeValues: { ':tenant': r.tenant, ':t': r.lastIngest, ':e': r.lastEventTime, ':u': r.lastUid },
        }));
      } catch (err) {
        if (!conditionFailed(err)) throw err; // a newer delivery is already recorded
      }
    },
    async get(sourceId: string): Promise<FeedRecord | null> {
      const r = await o.client.send(new GetCommand({ TableName: o.table, Key: { pk: pk(sourceId) }, ConsistentRead: true }));
      const i = r.Item;
      if (!i || typeof i['last_ingest'] !== 'number') return null;
      return {
        sourceId, tenant: String(i['tenant']), lastIngest: i['last_ingest'], lastEventTime: Number(i['last_event_time']),
        lastUid: (i['last_uid'] as string | null) ?? null, alertedFor: typeof i['alerted_for'] === 'number' ? i['alerted_for'] : null,
      };
    },
    /** Records that the silence since `lastIngest` was alerted on; false if the feed moved meanwhile. */
    async markAlerted(sourceId: string, lastIngest: number): Promise<boolean> {
      try {
        await o.client.send(new UpdateCommand({
          TableName: o.table,
          Key: { pk: pk(sourceId) },
          UpdateExpression: 'SET alerted_for = :t',
          ConditionExpression: 'last_ingest = :t',
          ExpressionAttributeValues: { ':t': lastIngest },
        }));
        return true;
      } catch (err) {
        if (conditionFailed(err)) return false;
        throw err;
      }
    },
  };
}
export type Feeds = ReturnType<typeof dynamoFeeds>;
