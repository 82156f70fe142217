/**
 * Backfill I/O (see core/backfill.ts for why it is exactly-once): reads a tenant's day from the
 * hot table (its day's partitions), finds which of its events the digest chain already lists, writes the
 * rest through the archive writer, and — on request — re-runs the detector over the day with fresh
 * state, publishing only alerts whose id the archive does not hold yet.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ALERTS_PREFIX, itemToEvent } from '../core/archive.ts';
import { readParquetColumns } from '../core/parquet.ts';
import { backfillSegments, backfillStream, dayBefore, eventKey, planBackfill } from '../core/backfill.ts';
import { DIGESTS_PREFIX, walkChain } from '../core/digest.ts';
import { readableByDt } from '../core/compact.ts';
import type { AuthEvent } from '../core/event.ts';
import type { Alert } from '../core/detect/engine.ts';
import type { AlertsConfig } from '../core/detect/settings.ts';
import type { AlertSink, AlertStore } from './alert-sink.ts';
import type { ArchiveState } from './archive-state.ts';
import { archiveWriter } from './archive-writer.ts';
import { dayPartitions, eventId, hotItemToEvent } from '../core/hot-item.ts';
import { LEGACY_LAYOUT, legacyTimePartitions } from './table-layout.ts';
import { detectEvents } from './detect-events.ts';
import { listKeys } from './s3-list.ts';
import type { DetectState, StoredState } from './detect-state.ts';

export interface BackfillDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly table: string;
  /** The previous layout's table while a deployment upgrades (`upgrade.legacyHotTable`). */
  readonly legacyTable?: string | undefined;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly state: ArchiveState;
  readonly kmsKeyId?: string | undefined;
  /** Where re-detected alerts go (the detector's sink and archive store); absent: no detection. */
  readonly alerts?: { readonly sink: AlertSink; readonly store: AlertStore; readonly settings: AlertsConfig } | undefined;
  readonly now?: () => number;
  /** Records per commit (tests make it small). */
  readonly segmentRecords?: number;
}

export interface BackfillRequest {
  readonly tenant: string;
  /** The `event_time` day, YYYY-MM-DD (the archive's `dt` partition). */
  readonly dt: string;
  /** Count only: write nothing, publish nothing. */
  readonly dryRun?: boolean | undefined;
  /** Re-run the detector over the day (default true when `alerts` are given). */
  readonly detect?: boolean | undefined;
}

export interface BackfillResult {
  tenant: string;
  dt: string;
  dry_run: boolean;
  /** The day's events in the hot table. */
  hot_events: number;
  /** …of which the digest chain already listed. */
  archived_before: number;
  /** …written now (would be written, in a dry run). */
  archived_now: number;
  objects: number;
  /** …stored within the last 25 hours: the stream archives them. */
  left_to_stream: number;
  /** Alerts re-detected whose id the archive did not hold (published and archived unless a dry run). */
  alerts_raised: number;
}

const GET_CONCURRENCY = 16;

/**
 * Every event of a tenant's day in the hot table (its day's partitions, items and all), and in the
 * previous layout's table while a deployment upgrades (`legacyTable`), without repeats.
 */
export async function hotEventsOfDay(ddb: DynamoDBDocumentClient, table: string, tenant: string, dt: string, legacyTable?: string): Promise<AuthEvent[]> {
  const byId = new Map<string, AuthEvent>();
  const add = (e: AuthEvent | null) => { if (e && e.tenant === tenant) byId.set(eventId(e), e); };
  for (const partition of dayPartitions(tenant, dt)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(new QueryCommand({
        TableName: table, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': partition }, ExclusiveStartKey: start,
      }));
      for (const it of page.Items ?? []) add(hotItemToEvent(it));
      start = page.LastEvaluatedKey;
    } while (start);
  }
  if (legacyTable) for (const e of await legacyEventsOfDay(ddb, legacyTable, tenant, dt)) if (!byId.has(eventId(e))) add(e);
  return [...byId.values()];
}

/** The previous layout: keys from its time index, items from the table (the index does not carry `raw`). */
async function legacyEventsOfDay(ddb: DynamoDBDocumentClient, table: string, tenant: string, dt: string): Promise<AuthEvent[]> {
  const keys: string[] = [];
  const index = LEGACY_LAYOUT.timeIndex;
  for (const partition of legacyTimePartitions(tenant, dt)) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(new QueryCommand({
        TableName: table, IndexName: index.name, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': index.partitionKey }, ExpressionAttributeValues: { ':p': partition },
        ProjectionExpression: 'pk', ExclusiveStartKey: start,
      }));
      for (const it of page.Items ?? []) keys.push(it['pk'] as string);
      start = page.LastEvaluatedKey;
    } while (start);
  }
  const events: AuthEvent[] = [];
  const batches: string[][] = [];
  for (let i = 0; i < keys.length; i += 100) batches.push(keys.slice(i, i + 100));
  await pool(batches, GET_CONCURRENCY, async (batch) => {
    let pending: Record<string, unknown>[] = batch.map((pk) => ({ pk }));
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt >= 8) throw new Error(`the previous hot table kept ${pending.length} keys unprocessed (throttled); run the backfill again later`);
      if (attempt) await new Promise((r) => setTimeout(r, Math.min(2_000, 50 * 2 ** attempt)));
      const r = await ddb.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }));
      for (const it of r.Responses?.[table] ?? []) {
        const e = itemToEvent(it);
        if (e && e.tenant === tenant) events.push(e);
      }
      pending = (r.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
    }
  });
  return events;
}

/** Runs `fn` over `items`, at most `n` at a time; the first failure fails the whole. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

const getBytes = async (s3: S3Client, bucket: string, key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();

async function readColumns(s3: S3Client, bucket: string, key: string, columns: string[]): Promise<Record<string, unknown>[]> {
  return readParquetColumns(await getBytes(s3, bucket, key), columns);
}

/**
 * The archive objects a tenant's digest chain lists, by `dt`. The digests are listed and read in
 * parallel, then the chain is walked in memory from the head; digests it does not reach (and
 * objects none lists) do not count as archived — `verify` reports them. Objects a compaction
 * replaced are left out (the merged objects hold their rows); a merged object not yet moved into
 * `events/` is read from its staging copy (core/compact.ts).
 */
export async function listedObjects(s3: S3Client, bucket: string, state: ArchiveState, tenant: string): Promise<Map<string, { key: string; staging?: string }[]>> {
  const head = await state.head(tenant);
  if (!head) return new Map();
  const bodies = new Map<string, string>();
  const keys = await listKeys(s3, bucket, `${DIGESTS_PREFIX}tenant=${tenant}/`);
  await pool(keys, GET_CONCURRENCY, async (key) => { bodies.set(key, Buffer.from(await getBytes(s3, bucket, key)).toString('utf8')); });
  // A committed head not yet published to S3 keeps its body in the state table.
  if (head.body !== undefined && !bodies.has(head.key)) bodies.set(head.key, head.body);
  const missing = walkChain(head, bodies).findings.find((f) => f.kind === 'digest_missing');
  if (missing) throw new Error(`digest ${missing.key} of tenant ${tenant} is missing: the chain is broken; run authtrail verify --tenant ${tenant} and fix the archive before a backfill`);
  return readableByDt(head, bodies);
}

/** The keys (`source_id#event_uid`) of the events in the given archive objects. */
export async function archivedEventKeys(s3: S3Client, bucket: string, objects: readonly { key: string; staging?: string }[]): Promise<Set<string>> {
  const keys = new Set<string>();
  await pool(objects, GET_CONCURRENCY, async (o) => {
    let rows: Record<string, unknown>[];
    try {
      rows = await readColumns(s3, bucket, o.key, ['source_id', 'event_uid']);
    } catch (err) {
      if (!o.staging || (err as { name?: string }).name !== 'NoSuchKey') throw err;
      rows = await readColumns(s3, bucket, o.staging, ['source_id', 'event_uid']);
    }
    for (const r of rows) keys.add(eventKey(r as Pick<AuthEvent, 'source_id' | 'event_uid'>));
  });
  return keys;
}

/** The ids of the tenant's archived alerts whose first event lies on one of `days`. */
async function archivedAlertIds(s3: S3Client, bucket: string, tenant: string, days: readonly string[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const dt of days) {
    await pool(await listKeys(s3, bucket, `${ALERTS_PREFIX}tenant=${tenant}/dt=${dt}/`), GET_CONCURRENCY, async (key) => {
      for (const r of await readColumns(s3, bucket, key, ['alert_id'])) ids.add(String(r['alert_id']));
    });
  }
  return ids;
}

/** Detector state for one run: nothing carried in, nothing kept. */
function freshState(): DetectState {
  const m = new Map<string, StoredState>();
  return {
    async get(tenant, key) { return m.get(`${tenant}#${key}`) ?? { state: { occ: {}, open: {} }, version: 0 }; },
    async put(tenant, key, s) { m.set(`${tenant}#${key}`, { state: s.state, version: s.version + 1 }); },
  };
}

/**
 * The day's alerts as the detector raises them from scratch: the day before is stepped through
 * first (so windows open across midnight as they did live), and only alerts whose first event
 * lies on the day itself are kept, in their newest version.
 */
export async function redetect(events: readonly AuthEvent[], dt: string, settings: AlertsConfig): Promise<Alert[]> {
  const latest = new Map<string, Alert>();
  const keep = (alerts: readonly Alert[]) => { for (const a of alerts) { const had = latest.get(a.alert_id); if (!had || a.count >= had.count) latest.set(a.alert_id, a); } };
  const sorted = [...events].sort((a, b) => (a.event_time < b.event_time ? -1 : a.event_time > b.event_time ? 1 : 0));
  await detectEvents(sorted, {
    state: freshState(),
    feeds: { async touch() { /* feed health is the live detector's */ } },
    sink: { async publish(a) { keep(a); } },
    store: { async store(a) { keep(a); return 0; } },
    settings,
  });
  return [...latest.values()].filter((a) => a.first_event_time.slice(0, 10) === dt);
}

/** Backfills one tenant-day. */
export async function backfillDay(d: BackfillDeps, req: BackfillRequest): Promise<BackfillResult> {
  const now = d.now ?? Date.now;
  const { tenant, dt } = req;
  const dryRun = req.dryRun === true;
  const writer = archiveWriter({ s3: d.s3, bucket: d.bucket, state: d.state, kmsKeyId: d.kmsKeyId, now: () => new Date(now()) });
  // A digest committed but not yet in S3 (a crash after a commit) is published first, so that
  // verify sees a whole chain whether or not this run writes anything.
  if (!dryRun) await writer.repair([tenant]);
  const events = await hotEventsOfDay(d.ddb, d.table, tenant, dt, d.legacyTable);
  const listed = await listedObjects(d.s3, d.bucket, d.state, tenant);
  const archived = await archivedEventKeys(d.s3, d.bucket, listed.get(dt) ?? []);
  const plan = planBackfill({ events, archived, now: now() });
  const result: BackfillResult = {
    tenant, dt, dry_run: dryRun, hot_events: events.length, archived_before: plan.archived,
    archived_now: plan.missing.length, objects: 0, left_to_stream: plan.recent, alerts_raised: 0,
  };
  if (!dryRun && plan.missing.length) {
    const stream = backfillStream(tenant, dt);
    for (const records of backfillSegments(plan.missing, d.segmentRecords)) {
      const r = await writer.archive({ stream, records });
      result.objects += r.objects;
    }
  }
  if (d.alerts && req.detect !== false) {
    const before = dayBefore(dt);
    const context = await hotEventsOfDay(d.ddb, d.table, tenant, before, d.legacyTable);
    const known = await archivedAlertIds(d.s3, d.bucket, tenant, [dt]);
    const fresh = (await redetect([...context, ...events], dt, d.alerts.settings)).filter((a) => !known.has(a.alert_id));
    result.alerts_raised = fresh.length;
    if (!dryRun && fresh.length) {
      // As the live detector: published, then archived. A crash in between publishes them again
      // on the next run, under the same ids; none is lost.
      await d.alerts.sink.publish(fresh);
      await d.alerts.store.store(fresh);
    }
  }
  return result;
}
