/**
 * The I/O half of archive verification, shared by `authtrail verify` and the scheduled verifier
 * Lambda: list a tenant's archive objects and digests, read the digests, hash the objects, and
 * hand everything to the pure `verifyArchive` (core/digest.ts) together with the chain head kept
 * in the state table.
 *
 * Objects are hashed as they stream in (an archive object is never held in memory whole), a
 * bounded number at a time; digests are small JSON and are read whole. The archive is listed once
 * per verifier and the listing reused for every tenant.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import { EVENTS_PREFIX } from '../core/archive.ts';
import { DIGESTS_PREFIX, stagingKeysToCheck, verifyArchive, type Finding } from '../core/digest.ts';
import type { ArchiveState } from './archive-state.ts';

export interface VerifyRange {
  /** Only objects whose `dt` is on or after this day (YYYY-MM-DD) are read and hashed. */
  readonly from?: string | undefined;
  /** Only objects whose `dt` is on or before this day. */
  readonly to?: string | undefined;
}

export interface TenantVerification {
  readonly tenant: string;
  /** Digests reached by walking the chain from the head. */
  readonly digests: number;
  /** Objects listed in the chain (within the range) that were compared with the archive. */
  readonly checked: number;
  readonly findings: Finding[];
  /** Compactions committed but not finished (within the range): in progress, not findings. */
  readonly compacting?: number | undefined;
}

export interface ArchiveVerifier {
  /** Every tenant with anything under `events/` or `digests/`, sorted. */
  tenants(): Promise<string[]>;
  /** The whole digest chain of `tenant`, and its objects within `range`. */
  verifyTenant(tenant: string, range?: VerifyRange): Promise<TenantVerification>;
}

export interface ArchiveVerifierOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly state: Pick<ArchiveState, 'head'>;
  /**
   * Objects (and digests) read at once. Each read holds one network stream and one hash state,
   * not the object.
   * @default 16
   */
  readonly concurrency?: number;
}

const tenantOf = (key: string) => /^(?:events|digests)\/tenant=([^/]+)\//.exec(key)?.[1];
const dtOf = (key: string) => /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1] ?? '';
const isNoSuchKey = (err: unknown) => err instanceof NoSuchKey || (err as { name?: string }).name === 'NoSuchKey';

/** Runs `fn` over `items`, at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export function archiveVerifier(o: ArchiveVerifierOptions): ArchiveVerifier {
  const concurrency = o.concurrency ?? 16;

  async function listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await o.s3.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const x of page.Contents ?? []) if (x.Key) keys.push(x.Key);
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  }

  // One listing of events/ and digests/ for the whole run, grouped by tenant.
  let listing: Promise<{ events: Map<string, string[]>; digests: Map<string, string[]> }> | undefined;
  const listed = () => (listing ??= (async () => {
    const group = (keys: string[]) => {
      const m = new Map<string, string[]>();
      for (const k of keys) {
        const t = tenantOf(k);
        if (t) m.set(t, [...(m.get(t) ?? []), k]);
      }
      return m;
    };
    const [events, digests] = await Promise.all([listKeys(EVENTS_PREFIX), listKeys(DIGESTS_PREFIX)]);
    return { events: group(events), digests: group(digests) };
  })());

  const listTenant = async (tenant: string) => {
    const [events, digests] = await Promise.all([listKeys(`${EVENTS_PREFIX}tenant=${tenant}/`), listKeys(`${DIGESTS_PREFIX}tenant=${tenant}/`)]);
    return { events: new Map([[tenant, events]]), digests: new Map([[tenant, digests]]) };
  };

  /** The object's body, or undefined when it went away between the listing and the read. */
  async function get<T>(key: string, consume: (body: AsyncIterable<Uint8Array> & { transformToString(): Promise<string> }) => Promise<T>): Promise<T | undefined> {
    try {
      const r = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
      return await consume(r.Body as unknown as AsyncIterable<Uint8Array> & { transformToString(): Promise<string> });
    } catch (err) {
      if (isNoSuchKey(err)) return undefined;
      throw err;
    }
  }

  const hashOf = (key: string) => get(key, async (body) => {
    const h = createHash('sha256');
    for await (const chunk of body) h.update(chunk);
    return h.digest('hex');
  });

  return {
    async tenants() {
      const l = await listed();
      return [...new Set([...l.events.keys(), ...l.digests.keys()])].sort();
    },
    async verifyTenant(tenant, range = {}) {
      // After tenants(): the run's one listing. Alone (verify --tenant, report): the tenant's own
      // prefixes only, all that a tenant's auditor may list.
      const l = listing ? await listing : await listTenant(tenant);
      const head = await o.state.head(tenant);
      const digestKeys = l.digests.get(tenant) ?? [];
      const bodies = await mapLimit(digestKeys, concurrency, (k) => get(k, (b) => b.transformToString()));
      const digests = new Map<string, string>();
      digestKeys.forEach((k, i) => { if (bodies[i] !== undefined) digests.set(k, bodies[i]!); });
      // A committed digest the archiver has not copied to S3 yet is in the head itself (archive-state.ts).
      if (head && !head.published && head.body !== undefined && !digests.has(head.key)) digests.set(head.key, head.body);
      const objectKeys = (l.events.get(tenant) ?? []).filter((k) => {
        const dt = dtOf(k);
        return !((range.from && dt < range.from) || (range.to && dt > range.to));
      });
      const hashes = await mapLimit(objectKeys, concurrency, hashOf);
      const objects = new Map<string, string>();
      objectKeys.forEach((k, i) => { if (hashes[i] !== undefined) objects.set(k, hashes[i]!); });
      // A compaction between deleting its old objects and moving its new ones in: their staging copies.
      const stagingKeys = stagingKeysToCheck(head, digests, objects).filter((k) => {
        const dt = dtOf(k);
        return !((range.from && dt < range.from) || (range.to && dt > range.to));
      });
      const stagedHashes = await mapLimit(stagingKeys, concurrency, hashOf);
      const staged = new Map<string, string>();
      stagingKeys.forEach((k, i) => { if (stagedHashes[i] !== undefined) staged.set(k, stagedHashes[i]!); });
      const r = verifyArchive({ tenant, head, digests, objects, staged, from: range.from, to: range.to });
      return { tenant, digests: r.digests, checked: r.checked, findings: r.findings, ...(r.compacting ? { compacting: r.compacting } : {}) };
    },
  };
}
