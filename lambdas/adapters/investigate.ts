/**
 * The reads behind investigations, shared by `authtrail timeline` (cli/timeline.ts) and the
 * investigation API (handlers/investigate.ts):
 *
 * - events of a user: Query `by_user` (keys only) on each of the person's keys (alias expansion,
 *   core/investigate.ts), newest first, merged; the page's items by BatchGetItem;
 * - events of an IP, or all events of a window: Query the table on every partition of every day
 *   of the window (`dayPartitions`), newest first; an IP is a FilterExpression on `ip`, so
 *   DynamoDB reads (and bills) every event of the window up to the page, not only the matches;
 * - alerts: the `alerts/` objects of the archive, the audit copy of every raised or updated alert
 *   (the detector's open-alert state is keyed by user with no index to list a tenant's keys, and
 *   locally it lives in a file), newest version of each alert;
 * - summary: the window's events from the table's day partitions, the alerts as above, and each source's `feed#`
 *   record in the state table (its last delivery).
 *
 * Every partition key is built here from the tenant the caller vouched for; a cursor only moves
 * the upper bound of a sort key, and every item read is checked to belong to the tenant.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { ALERTS_PREFIX } from '../core/archive.ts';
import { readParquetColumns } from '../core/parquet.ts';
import type { Alert } from '../core/detect/engine.ts';
import { suppressUntil } from '../core/detect/engine.ts';
import type { AlertsConfig } from '../core/detect/settings.ts';
import {
  ALIAS_SAMPLE, countByRule, daysOf, encodeCursor, expandAliases, InvestigationError, mergePage, searchHash, sortKeyHigh, sortKeyLow, summarize,
  type Cursor, type EventsQuery, type IndexedEvent, type SummaryCounts, type TimelineEvent,
} from '../core/investigate.ts';
import { dayPartitions, eventId, hotItemToEvent, userPartition } from '../core/hot-item.ts';
import { TABLE_LAYOUT } from './table-layout.ts';

/** Where a run reads: the `by_user` index (keys, then the items), or the table's own key (time). */
const USER_INDEX = { name: TABLE_LAYOUT.indexes[0].name, partitionKey: TABLE_LAYOUT.indexes[0].partitionKey, sortKey: TABLE_LAYOUT.sortKey } as const;
const TIME = { name: undefined, partitionKey: TABLE_LAYOUT.partitionKey, sortKey: TABLE_LAYOUT.sortKey } as const;
type Index = typeof USER_INDEX | typeof TIME;

/** A summary reads at most this many events of its window (`truncated` says when it stopped). */
export const SUMMARY_MAX_EVENTS = 200_000;
/** The summary reads this many time-index partitions at a time. */
const SUMMARY_CONCURRENCY = 8;
/** Index entries an IP or window search reads per request before it answers with what it has and a cursor. */
export const SCAN_BUDGET = 20_000;
/** Alert objects read per request (each a small Parquet file). */
const MAX_ALERT_OBJECTS = 2000;
const GET_CONCURRENCY = 8;

export interface InvestigateSource { readonly id: string; readonly tenant: string; readonly kind: string }

export interface InvestigateDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly table: string;
  readonly stateTable: string;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly alerts: AlertsConfig;
  readonly sources: readonly InvestigateSource[];
}

export interface EventsPage {
  tenant: string;
  events: TimelineEvent[];
  next_cursor: string | null;
  /** User searches: the keys searched (the given identifier and the aliases found). */
  aliases?: string[];
  /** The alias expansion stopped at its bounds: the person may have more keys. */
  aliases_truncated?: boolean;
  /** Index entries DynamoDB read for this page (what it bills), matches or not. */
  scanned: number;
}

export interface AlertView extends Alert { open: boolean; open_until: string }

/** What a timeline shows of an item: its event without `raw`. */
const toEvent = (item: Record<string, unknown>): TimelineEvent | null => {
  const e = hotItemToEvent(item);
  if (!e) return null;
  const { raw: _, ...rest } = e;
  return rest as TimelineEvent;
};

async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i]!); }
  }));
  return out;
}

export function investigator(d: InvestigateDeps) {
  /**
   * One partition of an index, newest first, between `lo` and `hi` (sort keys; `hi` itself
   * excluded when it is a cursor), until `want` items matched or the range ends.
   */
  async function run(o: { index: Index; pk: string; tenant: string; lo: string; hi: string; exclusive: boolean; want: number; ip?: string; maxScan?: number }): Promise<{ items: IndexedEvent[]; more: boolean; scanned: number; resume?: string }> {
    const found: { sk: string; item: Record<string, unknown> }[] = [];
    let scanned = 0;
    let start: Record<string, unknown> | undefined;
    let resume: string | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: d.table, ...(o.index.name ? { IndexName: o.index.name } : {}), ScanIndexForward: false,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
        ExpressionAttributeNames: { '#pk': o.index.partitionKey, '#sk': o.index.sortKey, ...(o.ip ? { '#ip': 'ip' } : {}) },
        ExpressionAttributeValues: { ':pk': o.pk, ':lo': o.lo, ':hi': o.hi, ...(o.ip ? { ':ip': o.ip } : {}) },
        ...(o.ip ? { FilterExpression: '#ip = :ip' } : {}),
        // A little more than wanted (one more tells whether another page exists); with a filter,
        // what is left of this partition's read budget (the filter applies after the read, and
        // Limit counts reads), so a request over many write shards stays within its budget.
        ...(o.ip ? (o.maxScan === undefined ? {} : { Limit: Math.max(1, o.maxScan - scanned) }) : { Limit: Math.min(1000, o.want + 1 + (o.exclusive ? 1 : 0)) }),
        ExclusiveStartKey: start,
      };
      const r = await d.ddb.send(new QueryCommand(input));
      scanned += r.ScannedCount ?? 0;
      for (const it of r.Items ?? []) {
        const sk = String(it[o.index.sortKey] ?? '');
        if (o.exclusive && sk === o.hi) continue;
        found.push({ sk, item: it });
      }
      start = r.LastEvaluatedKey;
      // Out of budget: everything from `hi` down to the last entry read has been seen.
      if (start && o.maxScan !== undefined && scanned >= o.maxScan && found.length <= o.want) { resume = String(start[o.index.sortKey]); break; }
    } while (start && found.length <= o.want);
    const kept = found.slice(0, o.want + 1);
    // The user index holds keys only: the items come from the table.
    const items = o.index.name ? await itemsOf(kept.map((f) => ({ pk: f.item['pk'], sk: f.sk }))) : new Map(kept.map((f) => [f.sk, f.item]));
    const out: IndexedEvent[] = [];
    for (const f of kept) {
      const item = items.get(f.sk);
      const event = item ? toEvent(item) : null;
      if (!event || event.tenant !== o.tenant) continue; // never another tenant's, whatever the key says
      out.push({ sk: f.sk, pk: eventId(event), event });
    }
    if (resume !== undefined) return { items: out, more: true, scanned, resume };
    return { items: out, more: found.length > o.want || !!start, scanned };
  }

  /** Items by key (BatchGetItem, 100 at a time, unprocessed keys retried), by sort key. */
  async function itemsOf(keys: { pk: unknown; sk: string }[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    const batches: { pk: unknown; sk: string }[][] = [];
    for (let i = 0; i < keys.length; i += 100) batches.push(keys.slice(i, i + 100));
    await pool(batches, GET_CONCURRENCY, async (batch) => {
      let pending: Record<string, unknown>[] | undefined = batch;
      for (let attempt = 0; pending?.length; attempt++) {
        if (attempt >= 8) throw new Error(`the hot table kept ${pending.length} keys unprocessed (throttled); try again`);
        if (attempt) await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt)));
        const r = await d.ddb.send(new BatchGetCommand({ RequestItems: { [d.table]: { Keys: pending } } }));
        for (const it of r.Responses?.[d.table] ?? []) out.set(String(it['sk']), it);
        pending = r.UnprocessedKeys?.[d.table]?.Keys as Record<string, unknown>[] | undefined;
      }
    });
    return out;
  }

  const bounds = (q: EventsQuery, cursor: Cursor | undefined) => {
    const high = sortKeyHigh(q.until);
    const hi = cursor && cursor.before < high ? cursor.before : high;
    return { lo: sortKeyLow(q.since), hi, exclusive: !!cursor };
  };

  /** A few of the key's events in the window, for their identifiers. */
  const sample = (q: EventsQuery) => async (key: string) => {
    const { items } = await run({ index: USER_INDEX, pk: userPartition(q.tenant, key), tenant: q.tenant, lo: sortKeyLow(q.since), hi: sortKeyHigh(q.until), exclusive: false, want: ALIAS_SAMPLE - 1 });
    return items.map((x) => x.event);
  };

  const api = {
    async events(q: EventsQuery): Promise<EventsPage> {
      const bound = searchHash(q.tenant, q.search);
      const b = bounds(q, q.cursor);
      let runs: { items: IndexedEvent[]; more: boolean; scanned: number }[];
      let aliases: { keys: string[]; truncated: boolean } | undefined;
      let cutoff: string | undefined;
      if (q.search.kind === 'user') {
        // Expanded from the whole window on every page, so every page searches the same keys.
        aliases = await expandAliases(q.search.user, sample(q));
        runs = await pool(aliases.keys, 4, (key) => run({ index: USER_INDEX, pk: userPartition(q.tenant, key), tenant: q.tenant, ...b, want: q.limit }));
      } else {
        // Day by day, newest first: stop once a day brings the page to `limit` and beyond, or
        // when the request has read its budget of index entries (an IP filter may match few).
        runs = [];
        let have = 0;
        let budget = SCAN_BUDGET;
        for (const day of daysOf(q.since, q.until)) {
          const ip = q.search.kind === 'ip' ? q.search.ip : undefined;
          const parts = dayPartitions(q.tenant, day);
          const got = await Promise.all(parts.map((pk) => run({ index: TIME, pk, tenant: q.tenant, ...b, want: q.limit, maxScan: Math.max(1, Math.floor(budget / parts.length)), ...(ip ? { ip } : {}) })));
          runs.push(...got);
          budget -= got.reduce((n, g) => n + g.scanned, 0);
          const resumes = got.flatMap((g) => (g.resume === undefined ? [] : [g.resume]));
          if (resumes.length) {
            // Entries at or above the highest stop were read in every partition: the page ends there.
            cutoff = resumes.sort().at(-1)!;
            break;
          }
          have += got.reduce((n, g) => n + g.items.length, 0);
          if (have > q.limit || budget <= 0) break;
        }
      }
      const complete = cutoff === undefined ? runs.map((r) => r.items) : runs.map((r) => r.items.filter((e) => e.sk >= cutoff!));
      const page = mergePage(complete, q.limit, runs.some((r) => r.more));
      const last = page.events.at(-1);
      // A full page continues after its last event; a page cut short by the budget after the position reached.
      const next = page.events.length >= q.limit || cutoff === undefined ? last?.sk : cutoff;
      return {
        tenant: q.tenant,
        events: page.events.map((e) => e.event),
        next_cursor: page.more && next ? encodeCursor({ before: next }, bound) : null,
        ...(aliases ? { aliases: aliases.keys, aliases_truncated: aliases.truncated } : {}),
        scanned: runs.reduce((n, r) => n + r.scanned, 0),
      };
    },

    /**
     * The tenant's alerts whose first event lies in [since, now], newest version of each: `open`
     * while its suppression lasts (last event + `suppressionMinutes`, as the detector keeps it open).
     */
    async alerts(o: { tenant: string; status: 'open' | 'all'; since: number; now: number }): Promise<AlertView[]> {
      const keys: string[] = [];
      for (const dt of daysOf(o.since, o.now)) {
        let token: string | undefined;
        do {
          const page = await d.s3.send(new ListObjectsV2Command({ Bucket: d.bucket, Prefix: `${ALERTS_PREFIX}tenant=${o.tenant}/dt=${dt}/`, ContinuationToken: token }));
          for (const x of page.Contents ?? []) if (x.Key) keys.push(x.Key);
          token = page.NextContinuationToken;
        } while (token && keys.length < MAX_ALERT_OBJECTS);
        if (keys.length >= MAX_ALERT_OBJECTS) break;
      }
      const newest = new Map<string, Alert>();
      const rows = await pool(keys.slice(0, MAX_ALERT_OBJECTS), GET_CONCURRENCY, (key) => cachedAlerts(d.s3, d.bucket, key, o.tenant));
      for (const a of rows.flat()) {
        const seen = newest.get(a.alert_id);
        if (!seen || a.count > seen.count || (a.count === seen.count && a.last_event_time > seen.last_event_time)) newest.set(a.alert_id, a);
      }
      const out: AlertView[] = [];
      for (const a of newest.values()) {
        const until = suppressUntil(a, d.alerts);
        const view = { ...a, open: until > o.now, open_until: new Date(until).toISOString() };
        if (o.status === 'all' || view.open) out.push(view);
      }
      return out.sort((x, y) => (x.last_event_time < y.last_event_time ? 1 : x.last_event_time > y.last_event_time ? -1 : x.alert_id.localeCompare(y.alert_id)));
    },

    async summary(o: { tenant: string; since: number; now: number }) {
      // Every partition of every day of the window (the day's write shards), read in parallel: a
      // summary reads every event of its window, and one sequential read is what made it slow.
      const slices: { pk: string; lo: string; hi: string }[] = [];
      for (const day of daysOf(o.since, o.now)) {
        for (const pk of dayPartitions(o.tenant, day)) slices.push({ pk, lo: sortKeyLow(o.since), hi: sortKeyHigh(o.now) });
      }
      let scanned = 0;
      let total = 0;
      let truncated = false;
      const alerts = api.alerts({ tenant: o.tenant, status: 'open', since: o.now - 7 * 86_400_000, now: o.now });
      const feeds = feedsOf(d, d.sources.filter((s) => s.tenant === o.tenant));
      const side = Promise.all([alerts, feeds]);
      side.catch(() => undefined); // awaited below; never an unhandled rejection meanwhile
      const read = await pool(slices, SUMMARY_CONCURRENCY, async (sl) => {
        const got: TimelineEvent[] = [];
        let start: Record<string, unknown> | undefined;
        do {
          if (total >= SUMMARY_MAX_EVENTS) { truncated = true; break; }
          const r = await d.ddb.send(new QueryCommand({
            TableName: d.table, KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :lo AND :hi',
            ExpressionAttributeNames: { '#pk': TIME.partitionKey, '#sk': TIME.sortKey, '#ev': 'ev' }, ExpressionAttributeValues: { ':pk': sl.pk, ':lo': sl.lo, ':hi': sl.hi },
            ProjectionExpression: '#ev', ExclusiveStartKey: start,
          }));
          scanned += r.ScannedCount ?? 0;
          for (const it of r.Items ?? []) {
            const e = toEvent(it);
            if (e && e.tenant === o.tenant) got.push(e);
          }
          total += r.Items?.length ?? 0;
          start = r.LastEvaluatedKey;
        } while (start);
        return got;
      });
      const events = read.flat();
      const counts: SummaryCounts = summarize(events);
      const [open, sources] = await side;
      return {
        tenant: o.tenant, from: new Date(o.since).toISOString(), to: new Date(o.now).toISOString(),
        ...counts, open_alerts: open.length, open_alerts_by_rule: countByRule(open), sources, truncated, scanned,
      };
    },
  };
  return api;
}
export type Investigator = ReturnType<typeof investigator>;

/** Each source's last delivery (`feed#<source>` in the state table), 100 keys per BatchGetItem. */
async function feedsOf(d: InvestigateDeps, sources: readonly InvestigateSource[]) {
  const found = new Map<string, Record<string, unknown>>();
  const keys = sources.map((s) => ({ pk: `feed#${s.id}` }));
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let attempt = 0; pending?.length && attempt < 5; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      const r = await d.ddb.send(new BatchGetCommand({ RequestItems: { [d.stateTable]: { Keys: pending, ProjectionExpression: 'pk, tenant, last_ingest, last_event_time' } } }));
      for (const it of r.Responses?.[d.stateTable] ?? []) found.set(String(it['pk']), it);
      pending = r.UnprocessedKeys?.[d.stateTable]?.Keys as Record<string, unknown>[] | undefined;
    }
  }
  const iso = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? new Date(v).toISOString() : null);
  return sources.map((s) => {
    const it = found.get(`feed#${s.id}`);
    const mine = it && it['tenant'] === s.tenant;
    return { source_id: s.id, kind: s.kind, last_event_time: mine ? iso(it['last_event_time']) : null, last_delivery: mine ? iso(it['last_ingest']) : null };
  }).sort((a, b) => a.source_id.localeCompare(b.source_id));
}

const isoOf = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? new Date(v).toISOString() : new Date(Number(v)).toISOString());

/**
 * Alert objects are named by their content and never rewritten with other content, so a warm
 * function keeps what it parsed (and shares a read in flight: the console asks for the summary and
 * the alerts at once). Bounded; the oldest entries go first. A failed read is not kept.
 */
const ALERT_CACHE_MAX = 5000;
const alertCache = new Map<string, Promise<Alert[]>>();
function cachedAlerts(s3: S3Client, bucket: string, key: string, tenant: string): Promise<Alert[]> {
  const id = `${bucket}/${key}`;
  const hit = alertCache.get(id);
  if (hit) return hit;
  const read = readAlerts(s3, bucket, key, tenant);
  alertCache.set(id, read);
  read.catch(() => alertCache.delete(id));
  while (alertCache.size > ALERT_CACHE_MAX) alertCache.delete(alertCache.keys().next().value!);
  return read;
}

async function readAlerts(s3: S3Client, bucket: string, key: string, tenant: string): Promise<Alert[]> {
  const bytes = await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();
  const rows = await readParquetColumns(bytes, ['alert_id', 'rule', 'severity', 'user', 'first_event_time', 'last_event_time', 'count', 'summary', 'event_uids']);
  return rows.map((r) => ({
    alert_id: String(r['alert_id']), rule: String(r['rule']) as Alert['rule'], severity: String(r['severity']) as Alert['severity'], tenant,
    user: String(r['user']), first_event_time: isoOf(r['first_event_time']), last_event_time: isoOf(r['last_event_time']),
    count: Number(r['count']), summary: String(r['summary']), event_uids: Array.isArray(r['event_uids']) ? (r['event_uids'] as unknown[]).map(String) : [],
  }));
}

export { InvestigationError };
