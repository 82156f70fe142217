/**
 * Archive integrity, after CloudTrail's log file integrity validation: every archive object is
 * recorded (SHA-256, size, rows, first/last event_time) in a digest; each digest names the
 * SHA-256 of the tenant's previous digest, and the newest digest's hash is kept apart from the
 * archive (the state table). Deleting, altering or adding an object or a digest then shows.
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

export interface Digest {
  readonly version: 1;
  readonly tenant: string;
  readonly created: string;
  readonly previous: DigestRef | null;
  readonly objects: readonly DigestObject[];
  /** The stream records the digest's objects were written from (first and last sequence number). */
  readonly stream?: { readonly first_seq: string; readonly last_seq: string } | undefined;
}

export const sha256Hex = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

export function encodeDigest(d: Digest): { key: string; body: string; sha256: string } {
  const body = JSON.stringify(d);
  const sha256 = sha256Hex(body);
  const stamp = d.created.replace(/[-:.]/g, '');
  return { key: `${DIGESTS_PREFIX}tenant=${d.tenant}/dt=${d.created.slice(0, 10)}/${stamp}-${sha256.slice(0, 16)}.json`, body, sha256 };
}

export type Finding =
  | { kind: 'missing' | 'altered' | 'unlisted'; key: string; detail: string }
  | { kind: 'digest_missing' | 'digest_altered' | 'digest_unchained'; key: string; detail: string };

export interface VerifyInput {
  readonly tenant: string;
  /** The chain head as recorded outside the archive; null if the tenant never had an archive write. */
  readonly head: DigestRef | null;
  /** Every digest object of the tenant: key → raw body. */
  readonly digests: ReadonlyMap<string, string>;
  /** Every archive object of the tenant in range: key → SHA-256 of its current content. */
  readonly objects: ReadonlyMap<string, string>;
  /** Only objects whose `dt` is within [from, to] are checked. */
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

const dtOf = (key: string) => /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? '';

/** Pure: walks the chain from the head and compares every listed object with the archive. */
export function verifyArchive(v: VerifyInput): { findings: Finding[]; digests: number; checked: number } {
  const findings: Finding[] = [];
  const inRange = (key: string) => { const d = dtOf(key); return (!v.from || d >= v.from) && (!v.to || d <= v.to); };
  const listed = new Map<string, DigestObject>();
  const visited = new Set<string>();
  let ref = v.head;
  while (ref) {
    if (visited.has(ref.key)) { findings.push({ kind: 'digest_altered', key: ref.key, detail: 'the digest chain loops' }); break; }
    visited.add(ref.key);
    const body = v.digests.get(ref.key);
    if (body === undefined) { findings.push({ kind: 'digest_missing', key: ref.key, detail: 'named by the chain but not in the archive' }); break; }
    if (sha256Hex(body) !== ref.sha256) findings.push({ kind: 'digest_altered', key: ref.key, detail: 'its SHA-256 differs from the one its successor recorded' });
    let d: Digest;
    try { d = JSON.parse(body) as Digest; } catch { findings.push({ kind: 'digest_altered', key: ref.key, detail: 'not valid JSON' }); break; }
    for (const o of d.objects ?? []) if (!listed.has(o.key)) listed.set(o.key, o);
    ref = d.previous;
  }
  for (const key of v.digests.keys()) {
    if (!visited.has(key)) findings.push({ kind: 'digest_unchained', key, detail: 'a digest that the chain from the head does not reach' });
  }
  let checked = 0;
  for (const [key, o] of listed) {
    if (!inRange(key)) continue;
    checked++;
    const actual = v.objects.get(key);
    if (actual === undefined) findings.push({ kind: 'missing', key, detail: `listed with ${o.rows} rows (${o.first_event_time} … ${o.last_event_time}) but not in the archive` });
    else if (actual !== o.sha256) findings.push({ kind: 'altered', key, detail: `SHA-256 ${actual.slice(0, 16)}… differs from the recorded ${o.sha256.slice(0, 16)}…` });
  }
  for (const key of v.objects.keys()) {
    if (inRange(key) && !listed.has(key)) findings.push({ kind: 'unlisted', key, detail: 'in the archive but in no digest' });
  }
  return { findings, digests: visited.size, checked };
}
