/**
 * Archive integrity, after CloudTrail's log file integrity validation: every archive object is
 * recorded (SHA-256, size, rows, first/last event_time) in a digest; each digest names the
 * SHA-256 of the tenant's previous digest, and the newest digest's hash is kept apart from the
 * archive (the state table). Deleting, altering or adding an object or a digest then shows.
 *
 * Two versions of digest are written, and `verify` reads both:
 * - version 1 (the archiver, the backfill): `objects` are new archive objects.
 * - version 2 (the compactor, core/compact.ts): `objects` are the merged objects of one tenant-day
 *   at their final keys, and `replaces` names the objects they replace (each listed by an earlier
 *   digest, with its SHA-256 and rows), the row count and the multiset hash of the
 *   (source_id, event_uid) pairs of both sets (equal: the compactor checked it before it
 *   committed), and where each merged object is staged (outside `events/`) until it is moved in.
 *
 * After a replacement its old objects are expected absent from the archive and its new ones
 * present. While the compactor is between its steps (or a crash interrupted it), the state is one
 * of: the old set in place and the new one not yet moved in; or the old set partly or wholly
 * deleted and every new object not yet in place still in its staging copy with the recorded
 * SHA-256. Both are in progress, not findings: the rows are all in the archive, and queries see at
 * most one copy of each. A superseded object that is still in place once every new object is in
 * place is a finding (`superseded`): queries would count its rows twice.
 */
import { createHash } from 'node:crypto';

export const DIGESTS_PREFIX = 'digests/';

export interface DigestObject {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  readonly rows: number;
  readonly first_event_time: string;
  readonly last_event_time: string;
}

export interface DigestRef { readonly key: string; readonly sha256: string }

/** An object a compaction replaced, as the digest that listed it recorded it. */
export interface ReplacedObject {
  readonly key: string;
  readonly sha256: string;
  readonly size: number;
  readonly rows: number;
}

/**
 * What an erasure removed (`authtrail erase`): the rows of one data subject, taken out of the
 * objects of one tenant-day. The subject itself is not recorded — the chain is kept for years and
 * must not name the person it forgot — only how many rows, their multiset hash, the operator's
 * stated reason (a request reference) and the erasure's id, shared by every day it touched.
 */
export interface Erased {
  readonly id: string;
  readonly rows: number;
  /** rowSetHash() of the removed rows' (source_id, event_uid) pairs: old set = new set + these. */
  readonly row_set: string;
  readonly request: string;
}

export interface Replacement {
  /** `compaction`: the same rows, merged; `erasure`: the same rows but `erased`. */
  readonly reason: 'compaction' | 'erasure';
  /** The tenant-day (`dt`) whose objects were merged. */
  readonly dt: string;
  readonly old: readonly ReplacedObject[];
  /** Rows of the old set, equal to those of the new set (`objects`). */
  readonly rows: number;
  /** rowSetHash() of the (source_id, event_uid) pairs, equal for the old and the new set. */
  readonly row_set: string;
  /** Each new object's staging key (outside `events/`), where it waits until the old set is deleted. */
  readonly staging: Readonly<Record<string, string>>;
  /** An erasure: the rows the new set no longer holds. */
  readonly erased?: Erased | undefined;
}

export interface Digest {
  /** 1: new objects (archiver, backfill); 2: may carry `replaces` (the compactor). */
  readonly version: 1 | 2;
  readonly tenant: string;
  readonly created: string;
  readonly previous: DigestRef | null;
  readonly objects: readonly DigestObject[];
  /** The stream records the digest's objects were written from (first and last sequence number). */
  readonly stream?: { readonly first_seq: string; readonly last_seq: string } | undefined;
  /** Version 2: the objects that `objects` replace (a compaction). */
  readonly replaces?: Replacement | undefined;
}

export const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

export function encodeDigest(d: Digest): { key: string; body: string; sha256: string } {
  const body = JSON.stringify(d);
  const sha256 = sha256Hex(body);
  const stamp = d.created.replace(/[-:.]/g, '');
  return { key: `${DIGESTS_PREFIX}tenant=${d.tenant}/dt=${d.created.slice(0, 10)}/${stamp}-${sha256.slice(0, 16)}.json`, body, sha256 };
}

export type Finding =
  | { kind: 'missing' | 'altered' | 'unlisted' | 'superseded'; key: string; detail: string }
  | { kind: 'replacement_invalid'; key: string; detail: string }
  | { kind: 'digest_missing' | 'digest_altered' | 'digest_unchained'; key: string; detail: string };

export interface VerifyInput {
  readonly tenant: string;
  /** The chain head as recorded outside the archive; null if the tenant never had an archive write. */
  readonly head: DigestRef | null;
  /** Every digest object of the tenant: key → raw body. */
  readonly digests: ReadonlyMap<string, string>;
  /** Every archive object of the tenant in range: key → SHA-256 of its current content. */
  readonly objects: ReadonlyMap<string, string>;
  /**
   * Staging copies of compacted objects not yet in place (stagingKeysToCheck()): key → SHA-256;
   * a staging copy that is not there is absent.
   */
  readonly staged?: ReadonlyMap<string, string> | undefined;
  /** Only objects whose `dt` is within [from, to] are checked. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

const dtOf = (key: string) => /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? '';

interface Walked {
  findings: Finding[];
  /** Listed objects, each with what the newest digest listing it recorded. */
  listed: Map<string, DigestObject>;
  /** Replacements, newest first, with the key of their digest. */
  replacements: { digest: string; r: Replacement; objects: readonly DigestObject[] }[];
  visited: Set<string>;
}

/** Pure: the chain from the head, newest first. */
export function walkChain(head: DigestRef | null, digests: ReadonlyMap<string, string>): Walked {
  const findings: Finding[] = [];
  const listed = new Map<string, DigestObject>();
  const replacements: Walked['replacements'] = [];
  const visited = new Set<string>();
  let ref = head;
  while (ref) {
    if (visited.has(ref.key)) { findings.push({ kind: 'digest_altered', key: ref.key, detail: 'the digest chain loops' }); break; }
    visited.add(ref.key);
    const body = digests.get(ref.key);
    if (body === undefined) { findings.push({ kind: 'digest_missing', key: ref.key, detail: 'named by the chain but not in the archive' }); break; }
    if (sha256Hex(body) !== ref.sha256) findings.push({ kind: 'digest_altered', key: ref.key, detail: 'its SHA-256 differs from the one its successor recorded' });
    let d: Digest;
    try { d = JSON.parse(body) as Digest; } catch { findings.push({ kind: 'digest_altered', key: ref.key, detail: 'not valid JSON' }); break; }
    for (const o of d.objects ?? []) if (!listed.has(o.key)) listed.set(o.key, o);
    if (d.replaces) replacements.push({ digest: ref.key, r: d.replaces, objects: d.objects ?? [] });
    ref = d.previous;
  }
  return { findings, listed, replacements, visited };
}

/**
 * The staging copies `verifyArchive` needs to see: those of new objects of a replacement that are
 * not in place in `objects` (a compaction between deleting the old set and moving the new one in).
 */
export function stagingKeysToCheck(head: DigestRef | null, digests: ReadonlyMap<string, string>, objects: ReadonlyMap<string, string> | ReadonlySet<string>): string[] {
  const out: string[] = [];
  const { replacements } = walkChain(head, digests);
  const replaced = new Set(replacements.flatMap((x) => x.r.old.map((o) => o.key)));
  for (const { r, objects: news } of replacements) {
    for (const o of news) if (!objects.has(o.key) && !replaced.has(o.key) && r.staging[o.key]) out.push(r.staging[o.key]!);
  }
  return out;
}

/** Pure: walks the chain from the head and compares every listed object with the archive. */
export function verifyArchive(v: VerifyInput): { findings: Finding[]; digests: number; checked: number; compacting: number } {
  const inRange = (key: string) => { const d = dtOf(key); return (!v.from || d >= v.from) && (!v.to || d <= v.to); };
  const { findings, listed, replacements, visited } = walkChain(v.head, v.digests);
  for (const key of v.digests.keys()) {
    if (!visited.has(key)) findings.push({ kind: 'digest_unchained', key, detail: 'a digest that the chain from the head does not reach' });
  }
  // What each replacement expects: its old objects gone once its new ones are all in place.
  const superseded = new Map<string, { complete: boolean; digest: string }>();
  /** New objects not in place whose staging copy holds the recorded bytes: in progress. */
  const staged = new Set<string>();
  let compacting = 0;
  // A merged object that a later compaction merged again (late events) is that one's business.
  const replacedLater = new Set(replacements.flatMap((x) => x.r.old.map((o) => o.key)));
  for (const { digest, r, objects: news } of replacements) {
    const newRows = news.reduce((n, o) => n + o.rows, 0);
    const oldRows = r.old.reduce((n, o) => n + o.rows, 0);
    const erased = r.reason === 'erasure' ? r.erased?.rows ?? Number.NaN : 0;
    if (newRows !== r.rows - erased || oldRows !== r.rows) {
      findings.push({ kind: 'replacement_invalid', key: digest, detail: `a ${r.reason} of ${r.old.length} object(s) with ${oldRows} rows into ${news.length} with ${newRows} rows (recorded: ${r.rows}${r.reason === 'erasure' ? `, ${erased} erased` : ''})` });
    }
    for (const o of r.old) {
      const before = listed.get(o.key);
      if (!before || before.sha256 !== o.sha256) findings.push({ kind: 'replacement_invalid', key: digest, detail: `replaces ${o.key}, which no earlier digest lists with SHA-256 ${o.sha256.slice(0, 16)}…` });
    }
    const complete = news.every((o) => v.objects.has(o.key) || replacedLater.has(o.key));
    if (!complete && (!v.from || r.dt >= v.from) && (!v.to || r.dt <= v.to)) compacting++;
    for (const o of news) {
      const s = r.staging[o.key];
      if (!v.objects.has(o.key) && s !== undefined && v.staged?.get(s) === o.sha256) staged.add(o.key);
    }
    for (const o of r.old) if (!superseded.has(o.key)) superseded.set(o.key, { complete, digest });
  }
  let checked = 0;
  for (const [key, o] of listed) {
    if (!inRange(key)) continue;
    const actual = v.objects.get(key);
    const sup = superseded.get(key);
    if (sup) {
      if (actual === undefined) continue; // replaced and deleted, as expected
      checked++;
      if (actual !== o.sha256) findings.push({ kind: 'altered', key, detail: `SHA-256 ${actual.slice(0, 16)}… differs from the recorded ${o.sha256.slice(0, 16)}…` });
      else if (sup.complete) findings.push({ kind: 'superseded', key, detail: `replaced by the compaction in ${sup.digest} but still in the archive: queries count its rows twice (the next compactor run deletes it)` });
      continue;
    }
    checked++;
    if (actual === undefined) {
      if (staged.has(key)) continue; // moved in by the next compactor run
      findings.push({ kind: 'missing', key, detail: `listed with ${o.rows} rows (${o.first_event_time} … ${o.last_event_time}) but not in the archive` });
    } else if (actual !== o.sha256) findings.push({ kind: 'altered', key, detail: `SHA-256 ${actual.slice(0, 16)}… differs from the recorded ${o.sha256.slice(0, 16)}…` });
  }
  for (const key of v.objects.keys()) {
    if (inRange(key) && !listed.has(key)) findings.push({ kind: 'unlisted', key, detail: 'in the archive but in no digest' });
  }
  return { findings, digests: visited.size, checked, compacting };
}

/**
 * An order-independent hash of a multiset of rows' (source_id, event_uid) pairs: the sum of their
 * SHA-256 values modulo 2^256. Equal for two sets of rows exactly when (barring a collision) both
 * hold the same pairs the same number of times, in any order or split over any objects.
 */
export function rowSetHash(rows: Iterable<{ source_id: string; event_uid: string }>): string {
  let sum = 0n;
  const MOD = 1n << 256n;
  for (const r of rows) sum = (sum + BigInt(`0x${createHash('sha256').update(`${r.source_id}\u0000${r.event_uid}`).digest('hex')}`)) % MOD;
  return sum.toString(16).padStart(64, '0');
}
