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
 * 1. Read the old objects (each must hash to what its digest recorded), merge, sort, encode.
 * 2. Write the output to its staging key under `compaction/` — outside `events/`, so neither
 *    Athena, DuckDB nor `verify`'s listing sees it — then read it back and check its row count and
 *    the multiset hash of its (source_id, event_uid) pairs against the old set's.
 * 3. Commit a version-2 digest (core/digest.ts) listing the output at its final key and the
 *    objects it replaces, by the same compare-and-set on the tenant's chain head as the archiver
 *    (with a commit record named after the old set, so two compactors commit it once), and
 *    publish it.
 * 4. Delete the old objects, then copy the staged output to its final key under `events/`, then
 *    delete the staging copy.
 *
 * A crash before 3 leaves the old set listed and in place, and a staging object no digest names:
 * garbage, which a later run deletes. A crash after 3 leaves a committed replacement that is not
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

/** Parquet bytes merged into one object at most (the merged object is smaller: it compresses better). */
export const DEFAULT_SIZE_CAP = 256 * 1024 * 1024;

/**
 * Rows merged into one object at most: a merge holds its rows decoded in memory, about 2.6 KB
 * each with the vendor's raw JSON (measured), so half a million rows is about 1.3 GB, plus the
 * encoder's columns — within the heap Node gives the deployed function (a quarter of its 10 GB;
 * infra/constructs/compactor.ts). At the archive's ~90 bytes of Parquet per event this cap, not
 * the size cap, bounds an object (~45 MB).
 */
export const DEFAULT_MAX_ROWS = 500_000;

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

/** One merge: `inputs` (read whole, together at most about the cap) into one object, `output`. */
export interface MergeGroup {
  readonly tenant: string;
  readonly dt: string;
  /** Sorted by first event_time, then key. */
  readonly inputs: readonly DigestObject[];
  /** The final key under `events/`: `compacted-<id>.parquet`. */
  readonly output: string;
  /** Names the old set: the commit record and the output's name derive from it. */
  readonly id: string;
}

/**
 * The plan for one tenant-day's listed objects: objects at or above half of either cap stay as
 * they are (already Athena-sized); the others, in event-time order, are packed into groups of at
 * most `sizeCap` bytes and `maxRows` rows, each merged into one object — one per tenant-day when
 * the day's small objects fit. A group of one object is no merge, so a compacted day is a no-op
 * (empty plan). Each group is read, merged and replaced on its own: the compactor holds one
 * group's rows at a time.
 */
export function planDay(tenant: string, dt: string, objects: readonly DigestObject[], sizeCap = DEFAULT_SIZE_CAP, maxRows = DEFAULT_MAX_ROWS): MergeGroup[] {
  const small = objects.filter((o) => o.size < sizeCap / 2 && o.rows < maxRows / 2)
    .sort((a, b) => (a.first_event_time < b.first_event_time ? -1 : a.first_event_time > b.first_event_time ? 1 : a.key < b.key ? -1 : 1));
  const bins: DigestObject[][] = [];
  let bin: DigestObject[] = [];
  let bytes = 0;
  let rows = 0;
  for (const o of small) {
    if (bin.length && (bytes + o.size > sizeCap || rows + o.rows > maxRows)) { bins.push(bin); bin = []; bytes = 0; rows = 0; }
    bin.push(o);
    bytes += o.size;
    rows += o.rows;
  }
  if (bin.length) bins.push(bin);
  return bins.filter((b) => b.length >= 2).map((inputs) => {
    const id = sha256Hex([...inputs].map((o) => `${o.key} ${o.sha256}`).sort().join('\n')).slice(0, 16);
    return { tenant, dt, inputs, output: archiveKey(tenant, dt, `compacted-${id}`), id };
  });
}

/** The staging key of an output: under `compaction/`, unique to the run that writes it. */
export const stagingKey = (finalKey: string, run: string) =>
  `${STAGING_PREFIX}${finalKey.slice('events/'.length).replace(/\.parquet$/, '')}.${run}.parquet`;

/** The state-table key of a compaction's commit record (one per old set). */
export const compactionCommitKey = (tenant: string, id: string) => `compaction-commit#${tenant}#${id}`;

/** Rows in output order: event_time, then source_id, then event_uid. */
export function sortRows<T extends Pick<AuthEvent, 'event_time' | 'source_id' | 'event_uid'>>(rows: readonly T[]): T[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows].sort((a, b) => cmp(a.event_time, b.event_time) || cmp(a.source_id, b.source_id) || cmp(a.event_uid, b.event_uid));
}

/** The row set's identity: its size and its multiset hash. */
export const rowSet = (rows: readonly Pick<AuthEvent, 'source_id' | 'event_uid'>[]) => ({ rows: rows.length, row_set: rowSetHash(rows) });

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
