/**
 * Archive compaction, the pure half: which of a tenant-day's archive objects to merge into which
 * outputs. The archiver writes one object per tenant-day per stream batch (tens to thousands a
 * day); once the day is closed, the compactor merges them into one object per tenant-day — more
 * when the day's Parquet exceeds the size cap, each then up to the cap — with the rows of each
 * sorted by (event_time, source_id, event_uid).
 *
 * The protocol (adapters/archive-compact.ts), per merge group (planDay), chosen so that a process
 * killed at any instant leaves `verify` green and queries never count a row twice:
 *
 * 1. Read the old objects (each must hash to what its digest recorded) row group by row group and
 *    merge them in order (mergeSorted), encoding row group by row group.
 * 2. Write the outputs — one per size cap — to their staging keys under `compaction/` (a multipart
 *    upload as they are encoded) — outside `events/`, so neither Athena, DuckDB nor `verify`'s
 *    listing sees them — then read them back and check their row count and the multiset hash of
 *    their (source_id, event_uid) pairs against the old set's.
 * 3. Commit a version-2 digest (core/digest.ts) listing the outputs at their final keys and the
 *    objects it replaces, by the same compare-and-set on the tenant's chain head as the archiver
 *    (with a commit record named after the old set, so two compactors commit it once), and
 *    publish it.
 * 4. Delete the old objects, then copy the staged outputs to their final keys under `events/`,
 *    then delete the staging copies.
 *
 * A crash before 3 leaves the old set listed and in place, and staging objects no digest names
 * (or a multipart upload never completed, which the bucket's lifecycle rule aborts): garbage,
 * which a later run deletes. A crash after 3 leaves a committed replacement that is not
 * finished; every run first finishes every such replacement from the chain (step 4 is
 * idempotent). Between 3 and the end of 4, `verify` counts the replacement as in progress: each
 * new object is in place or staged with its recorded hash, each old one is in place or deleted.
 * Queries see the old set until it is deleted and the new one once it is copied: never both. S3
 * cannot swap several objects at once, so for the moments between the deletion and the copy
 * (a crash there: until the next run) a query misses the day's rows rather than counting them
 * twice.
 *
 * Object Lock (WORM): the archive bucket is versioned. A delete without a version id adds a delete
 * marker — which Object Lock allows in both modes — so the old objects leave the listing
 * (queries and `verify` no longer see them) while their locked versions stay, unaltered and
 * readable by version id, until their retention ends and the lifecycle rule's noncurrent-version
 * expiry removes them. The compactor never deletes a version and never bypasses governance
 * retention. Staging copies are written with a retention of one day (they are deleted minutes
 * later). The price: a compacted day is stored twice until the old versions' retention ends.
 */
import { rowSetHash, walkChain, type DigestObject, type DigestRef } from './digest.ts';
import { archiveKey } from './archive.ts';
import type { AuthEvent } from './event.ts';
import { SETTLED_AFTER_MS } from './backfill.ts';
import { sha256Hex } from './digest.ts';

/**
 * Parquet bytes of one merged object at most (about: an object ends at the first row group after
 * which another of the same size, and the footer, would pass the cap). The merge streams
 * (adapters/archive-compact.ts): inputs are opened as the merge reaches them and decoded row group
 * by row group, the output encoded row group by row group, so no row count bounds an object.
 */
export const DEFAULT_SIZE_CAP = 256 * 1024 * 1024;

/** Rows of one output row group (as the archiver's objects). */
export const OUTPUT_ROW_GROUP = 100_000;

/**
 * A day is closed this long after it ended (UTC midnight): 2 hours of grace, plus the time an
 * event of the day may still reach the archiver through its stream record (SETTLED_AFTER_MS, as
 * the backfill waits). A later event still lands in the day as a new small object, and the next
 * run merges it in.
 */
export const CLOSED_AFTER_MS = 2 * 3_600_000 + SETTLED_AFTER_MS;

export const STAGING_PREFIX = 'compaction/';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** When the day `dt` is closed for the scheduled compactor. */
export const closedAt = (dt: string) => Date.parse(`${dt}T00:00:00Z`) + 86_400_000 + CLOSED_AFTER_MS;

/**
 * Whether `dt` may be compacted now: closed, or — asked for by name (`--day`) — over, i.e. not
 * today or later.
 */
export function compactable(dt: string, now: number, explicit: boolean): boolean {
  if (!DAY.test(dt)) return false;
  if (explicit) return dt < new Date(now).toISOString().slice(0, 10);
  return now >= closedAt(dt);
}

/** One merge: `inputs`, read as a sorted stream, into one object per `sizeCap` of output (`outputKey`). */
export interface MergeGroup {
  readonly tenant: string;
  readonly dt: string;
  /** Sorted by first event_time, then key: the order the merge opens them in. */
  readonly inputs: readonly DigestObject[];
  /** The first output's final key under `events/`: `compacted-<id>.parquet` (outputKey(group, 0)). */
  readonly output: string;
  /** Names the old set: the commit record and the outputs' names derive from it. */
  readonly id: string;
  /** An erasure: the rows it drops (the others are merged as a compaction merges them), and its record. */
  readonly erase?: { readonly drop: (row: AuthEvent) => boolean; readonly id: string; readonly request: string } | undefined;
}

/**
 * The plan for one tenant-day's listed objects: objects of half the size cap or more stay as they
 * are (already Athena-sized); the others (two or more), in event-time order, form one merge whose
 * output is one object up to the size cap — more, each up to the cap, when the day's merged
 * Parquet is larger. A day with one small object is no merge, so a compacted day is a no-op
 * (empty plan). The merge streams, so no row count bounds it.
 */
export function planDay(tenant: string, dt: string, objects: readonly DigestObject[], sizeCap = DEFAULT_SIZE_CAP): MergeGroup[] {
  const inputs = objects.filter((o) => o.size < sizeCap / 2)
    .sort((a, b) => (a.first_event_time < b.first_event_time ? -1 : a.first_event_time > b.first_event_time ? 1 : a.key < b.key ? -1 : 1));
  if (inputs.length < 2) return [];
  const id = sha256Hex([...inputs].map((o) => `${o.key} ${o.sha256}`).sort().join('\n')).slice(0, 16);
  return [{ tenant, dt, inputs, output: archiveKey(tenant, dt, `compacted-${id}`), id }];
}

/**
 * An erasure's merge for one tenant-day: the day's objects that hold the subject's rows (any size,
 * one is enough), rewritten without those rows. Named after the objects and the erasure, so a
 * retried erasure commits once.
 */
export function planErasure(tenant: string, dt: string, objects: readonly DigestObject[], erase: NonNullable<MergeGroup['erase']>): MergeGroup | null {
  if (!objects.length) return null;
  const inputs = [...objects].sort((a, b) => (a.first_event_time < b.first_event_time ? -1 : a.first_event_time > b.first_event_time ? 1 : a.key < b.key ? -1 : 1));
  const id = sha256Hex([`erase ${erase.id}`, ...inputs.map((o) => `${o.key} ${o.sha256}`).sort()].join('\n')).slice(0, 16);
  return { tenant, dt, inputs, output: archiveKey(tenant, dt, `compacted-${id}`), id, erase };
}

/** The final key of a merge's `i`-th output (0-based): `compacted-<id>.parquet`, then `compacted-<id>-2.parquet`, … */
export const outputKey = (g: Pick<MergeGroup, 'tenant' | 'dt' | 'id'>, i: number) =>
  archiveKey(g.tenant, g.dt, i === 0 ? `compacted-${g.id}` : `compacted-${g.id}-${i + 1}`);

/** The staging key of an output: under `compaction/`, unique to the run that writes it. */
export const stagingKey = (finalKey: string, run: string) =>
  `${STAGING_PREFIX}${finalKey.slice('events/'.length).replace(/\.parquet$/, '')}.${run}.parquet`;

/** The state-table key of a compaction's commit record (one per old set). */
export const compactionCommitKey = (tenant: string, id: string) => `compaction-commit#${tenant}#${id}`;

type SortKey = Pick<AuthEvent, 'event_time' | 'source_id' | 'event_uid'>;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Output order: event_time, then source_id, then event_uid. */
export const compareRows = (a: SortKey, b: SortKey) => cmp(a.event_time, b.event_time) || cmp(a.source_id, b.source_id) || cmp(a.event_uid, b.event_uid);

/** Rows in output order. */
export function sortRows<T extends SortKey>(rows: readonly T[]): T[] {
  return [...rows].sort(compareRows);
}

/** The row set's identity: its size and its multiset hash. */
export const rowSet = (rows: readonly Pick<AuthEvent, 'source_id' | 'event_uid'>[]) => ({ rows: rows.length, row_set: rowSetHash(rows) });

/**
 * rowSet() over rows seen in parts: the multiset hash is a sum (core/digest.ts rowSetHash), so
 * the parts' hashes add up to the whole's.
 */
export function rowSetAccumulator() {
  const MOD = 1n << 256n;
  let sum = 0n;
  let rows = 0;
  return {
    add(part: readonly Pick<AuthEvent, 'source_id' | 'event_uid'>[]) {
      if (!part.length) return;
      sum = (sum + BigInt(`0x${rowSetHash(part)}`)) % MOD;
      rows += part.length;
    },
    get: () => ({ rows, row_set: sum.toString(16).padStart(64, '0') }),
  };
}

/** One input of a merge: rows in output order, in batches, opened when the merge reaches `first`. */
export interface MergeSource<T> {
  /** Epoch ms no row of the source is before (its digest's first_event_time). */
  readonly first: number;
  open(): AsyncIterator<T[]>;
}

export class MergeOrderError extends Error {
  override name = 'MergeOrderError';
}

/**
 * A k-way merge of sorted sources into one sorted stream, in batches of up to `batch` rows. A
 * source is opened only once the merge reaches its first event_time and dropped when it is done,
 * so what the merge holds is one batch per source whose time range spans the current instant —
 * for a day of archiver objects (one stream batch each, in time order) a handful. A source whose
 * rows go backwards, or start before its `first`, is an error (the output would not be sorted).
 */
export async function* mergeSorted<T extends SortKey>(sources: readonly MergeSource<T>[], batch: number): AsyncGenerator<T[]> {
  const pending = [...sources].sort((a, b) => a.first - b.first);
  interface Cursor { it: AsyncIterator<T[]>; rows: T[]; i: number; first: number }
  const heap: Cursor[] = [];
  const less = (a: Cursor, b: Cursor) => compareRows(a.rows[a.i]!, b.rows[b.i]!) < 0;
  const up = (j: number) => { while (j > 0) { const p = (j - 1) >> 1; if (!less(heap[j]!, heap[p]!)) break; [heap[j], heap[p]] = [heap[p]!, heap[j]!]; j = p; } };
  const down = (j: number) => {
    for (;;) {
      const l = 2 * j + 1; const r = l + 1; let m = j;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === j) return;
      [heap[j], heap[m]] = [heap[m]!, heap[j]!]; j = m;
    }
  };
  /** The cursor's next non-empty batch, or false when the source is done. */
  const refill = async (c: Cursor): Promise<boolean> => {
    for (;;) {
      const n = await c.it.next();
      if (n.done) return false;
      if (n.value.length) { c.rows = n.value; c.i = 0; return true; }
    }
  };
  let next = 0;
  const open = async (upTo: number) => {
    while (next < pending.length && pending[next]!.first <= upTo) {
      const s = pending[next++]!;
      const c: Cursor = { it: s.open(), rows: [], i: 0, first: s.first };
      if (await refill(c)) {
        if (Date.parse(c.rows[0]!.event_time) < s.first) throw new MergeOrderError(`a merge input starts at ${c.rows[0]!.event_time}, before its recorded first event_time`);
        heap.push(c); up(heap.length - 1);
      }
    }
  };
  let out: T[] = [];
  let last: T | undefined;
  for (;;) {
    // Every source that may hold a row at or before the smallest head is open.
    if (next < pending.length) {
      const upTo = heap.length ? Date.parse(heap[0]!.rows[heap[0]!.i]!.event_time) : pending[next]!.first;
      if (pending[next]!.first <= upTo) await open(upTo);
    }
    if (!heap.length) break;
    const c = heap[0]!;
    const row = c.rows[c.i++]!;
    if (last && compareRows(last, row) > 0) throw new MergeOrderError(`merge inputs out of order at ${row.event_time} ${row.source_id} ${row.event_uid}`);
    last = row;
    out.push(row);
    if (out.length >= batch) { yield out; out = []; }
    if (c.i < c.rows.length) down(0);
    else if (await refill(c)) down(0);
    else { heap[0] = heap[heap.length - 1]!; heap.pop(); if (heap.length) down(0); }
  }
  if (out.length) yield out;
}

/** The tenant-days worth planning: days with two or more listed objects, in order. */
export function daysOf(objects: Iterable<DigestObject>): Map<string, DigestObject[]> {
  const m = new Map<string, DigestObject[]>();
  for (const o of objects) {
    const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(o.key)?.[1];
    if (!dt) continue;
    m.set(dt, [...(m.get(dt) ?? []), o]);
  }
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The tenant's archive as its chain lists it now: objects listed and not replaced, and every
 * replacement (newest first) with the key of its digest.
 */
export function chainListing(head: DigestRef | null, digests: ReadonlyMap<string, string>) {
  const w = walkChain(head, digests);
  const replaced = new Set(w.replacements.flatMap((x) => x.r.old.map((o) => o.key)));
  return { current: [...w.listed.values()].filter((o) => !replaced.has(o.key)), replacements: w.replacements, findings: w.findings };
}

/**
 * What a reader of archived rows (the backfill) reads, by `dt`: each current object's key, and for
 * an object a compaction merged but has not yet moved into `events/`, the staging copy to read
 * instead when the key is not there yet. Objects a compaction replaced are not included: their
 * rows are in the objects that replaced them.
 */
export function readableByDt(head: DigestRef | null, digests: ReadonlyMap<string, string>): Map<string, { key: string; staging?: string }[]> {
  const { current, replacements } = chainListing(head, digests);
  const staging = new Map<string, string>();
  for (const { r } of replacements) for (const [key, s] of Object.entries(r.staging)) staging.set(key, s);
  const out = new Map<string, { key: string; staging?: string }[]>();
  for (const o of current) {
    const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(o.key)?.[1];
    if (!dt) continue;
    const s = staging.get(o.key);
    out.set(dt, [...(out.get(dt) ?? []), s ? { key: o.key, staging: s } : { key: o.key }]);
  }
  return out;
}
