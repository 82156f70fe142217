/**
 * Backfill: re-archive a tenant's day from the hot table, for events whose stream records are gone
 * (the stream keeps a record 24 hours; an archiver outage or a dead-lettered batch older than that
 * cannot be re-driven). Pure planning; the I/O is in adapters/backfill.ts.
 *
 * Why it never doubles a row:
 * - Only events *missing* from the archive are written, where "in the archive" means listed by the
 *   tenant's digest chain (an object a crash left unlisted does not count; verify reports it).
 * - Only events the stream can no longer deliver are written: an event stored less than
 *   SETTLED_AFTER_MS ago may still reach the archiver through its stream record (a retry, a
 *   re-drive), so the backfill leaves it to the stream and says so.
 * - The missing events are committed through the archive writer as a synthetic stream named after
 *   the tenant and day, each record positioned by its event time and key: a re-run after a crash
 *   rewrites the same object key (the same first record) and commits once; two concurrent runs
 *   race for one commit record and the loser finds it committed.
 */
import type { ArchiveRecord } from '../adapters/archive-writer.ts';
import type { AuthEvent } from './event.ts';

/** The stream's retention (24 h) plus the longest a write can trail its `ingest_time` (a Lambda timeout, 15 min), rounded up. */
export const SETTLED_AFTER_MS = 25 * 3_600_000;

/** Records per commit: one Parquet object each, bounded in memory (~50 MB of events). */
export const SEGMENT_RECORDS = 25_000;

/** The hot-table key of an event (as hot-store.ts `itemKey`); also the id the archive is checked by. */
export const eventKey = (e: Pick<AuthEvent, 'source_id' | 'event_uid'>) => `${e.source_id}#${e.event_uid}`;

export const backfillStream = (tenant: string, dt: string) => `backfill:${tenant}:${dt}`;

export interface BackfillPlan {
  /** To archive now, in archive order (event time, then key). */
  readonly missing: AuthEvent[];
  /** Already listed by the digest chain. */
  readonly archived: number;
  /** Stored too recently: the stream may still archive them. */
  readonly recent: number;
}

/** Splits a day's hot events into what is archived, what is left to the stream, and what is missing. */
export function planBackfill(o: { events: readonly AuthEvent[]; archived: ReadonlySet<string>; now: number }): BackfillPlan {
  const missing: AuthEvent[] = [];
  let archived = 0;
  let recent = 0;
  const cutoff = o.now - SETTLED_AFTER_MS;
  for (const e of o.events) {
    if (o.archived.has(eventKey(e))) archived++;
    else if (!(Date.parse(e.ingest_time) <= cutoff)) recent++;
    else missing.push(e);
  }
  missing.sort((a, b) => (a.event_time < b.event_time ? -1 : a.event_time > b.event_time ? 1 : eventKey(a) < eventKey(b) ? -1 : eventKey(a) > eventKey(b) ? 1 : 0));
  return { missing, archived, recent };
}

/**
 * The missing events as stream records of the synthetic stream, cut into commit segments. A
 * record's position is its event time in milliseconds (a decimal "sequence number", ordered as
 * the archive writer compares them) and its key, so the same events give the same records in
 * every run, and the first record of each segment (the object's name) is stable across re-runs
 * that find the earlier segments committed.
 */
export function backfillSegments(missing: readonly AuthEvent[], size = SEGMENT_RECORDS): ArchiveRecord[][] {
  const records = missing.map((event) => ({ seq: String(Math.max(0, Date.parse(event.event_time))).padStart(15, '0'), pk: eventKey(event), event }));
  const out: ArchiveRecord[][] = [];
  for (let i = 0; i < records.length; i += size) out.push(records.slice(i, i + size));
  return out;
}

/** The days from `from` to `to` inclusive (YYYY-MM-DD, UTC). */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

export const dayBefore = (dt: string) => new Date(Date.parse(`${dt}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
