/**
 * Writes stream batches to the archive exactly once (see core/stream-commit.ts for why this holds
 * under retries, bisection, re-reads after a crash and concurrent archivers of other shards):
 *
 * 1. A segment that starts at a committed record is skipped record by record; a bisected batch
 *    that ends inside a committed segment leaves a pointer for the record after it.
 * 2. A new segment is written as one Parquet object per tenant and `event_time` day, each named
 *    by its first stream record (a retry rewrites the same key), then committed in one DynamoDB
 *    transaction: every tenant's digest-chain head moves to a digest listing the new objects, and
 *    the segment's commit record appears. Nothing is ever deleted.
 * 3. After the commit, each digest is published to S3 and its head marked published; a crash in
 *    between is repaired by the next batch touching that tenant (the head keeps the digest's body).
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { archiveKey, groupByPartition } from '../core/archive.ts';
import { encodeDigest, sha256Hex, type DigestObject } from '../core/digest.ts';
import type { AuthEvent } from '../core/event.ts';
import { eventsToParquet } from '../core/parquet.ts';
import {
  anchoredPartName, commitKey, commitKeyForId, coveredAfter, encodeCovered, recordId, type StreamPosition,
} from '../core/stream-commit.ts';
import type { ArchiveState, DigestHead } from './archive-state.ts';

export interface ArchiveRecord extends StreamPosition {
  /** The new event, or null for a record the archive does not keep. */
  readonly event: AuthEvent | null;
}

export interface ArchiveBatch {
  /** The stream's ARN (`eventSourceARN`). */
  readonly stream: string;
  readonly records: readonly ArchiveRecord[];
}

export interface ArchiveWriterOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly state: ArchiveState;
  readonly kmsKeyId?: string | undefined;
  readonly now?: () => Date;
}

export interface ArchiveResult {
  objects: number;
  rows: number;
  bytes: number;
  /** Events of records an earlier delivery of this batch had already committed. */
  skipped: number;
}

/** One transaction moves every head of a segment plus its commit record: at most 100 items. */
export const MAX_TENANTS_PER_SEGMENT = 99;
const MAX_CONFLICTS = 10;

export class ArchiveConflictError extends Error {
  override name = 'ArchiveConflictError';
}

export function archiveWriter(o: ArchiveWriterOptions) {
  const now = o.now ?? (() => new Date());
  const sse = o.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: o.kmsKeyId } : {};
  const put = (Key: string, Body: Uint8Array | string, ContentType: string) =>
    o.s3.send(new PutObjectCommand({ Bucket: o.bucket, Key, Body, ContentType, ...sse }));

  /** A committed digest that did not reach S3 yet gets there now. */
  async function publish(tenant: string, head: DigestHead | null): Promise<void> {
    if (!head || head.published || head.body === undefined) return;
    await put(head.key, head.body, 'application/json');
    await o.state.markPublished(tenant, head.sha256);
  }

  async function repair(tenants: Iterable<string>): Promise<void> {
    for (const t of new Set(tenants)) await publish(t, await o.state.head(t));
  }

  async function writeObjects(stream: string, records: readonly ArchiveRecord[]): Promise<Map<string, DigestObject[]>> {
    const firstOf = new Map<string, StreamPosition>();
    for (const r of records) if (r.event) {
      const k = `${r.event.tenant}/${r.event.event_time.slice(0, 10)}`;
      if (!firstOf.has(k)) firstOf.set(k, r);
    }
    const byTenant = new Map<string, DigestObject[]>();
    const events = records.flatMap((r) => (r.event ? [r.event] : []));
    for (const [k, g] of groupByPartition(events)) {
      const body = eventsToParquet(g.events);
      const key = archiveKey(g.tenant, g.dt, anchoredPartName(stream, firstOf.get(k)!));
      await put(key, body, 'application/vnd.apache.parquet');
      const times = g.events.map((e) => e.event_time).sort();
      const rec: DigestObject = { key, sha256: sha256Hex(body), size: body.length, rows: g.events.length, first_event_time: times[0]!, last_event_time: times[times.length - 1]! };
      byTenant.set(g.tenant, [...(byTenant.get(g.tenant) ?? []), rec]);
    }
    return byTenant;
  }

  /** Writes and commits one new segment; false if it turned out to be committed already. */
  async function commitSegment(stream: string, segment: readonly ArchiveRecord[], result: ArchiveResult): Promise<void> {
    const byTenant = await writeObjects(stream, segment);
    if (!byTenant.size) return;
    const key = commitKey(stream, segment[0]!);
    const covered = encodeCovered(segment.map(recordId));
    const seqs = { first_seq: segment[0]!.seq, last_seq: segment[segment.length - 1]!.seq };
    for (let attempt = 0; attempt < MAX_CONFLICTS; attempt++) {
      const heads = await Promise.all([...byTenant.keys()].map(async (tenant) => {
        const head = await o.state.head(tenant);
        await publish(tenant, head);
        const previous = head ? { key: head.key, sha256: head.sha256 } : null;
        const d = encodeDigest({ version: 1, tenant, created: now().toISOString(), previous, objects: byTenant.get(tenant)!, stream: seqs });
        return { tenant, expected: previous, next: { key: d.key, sha256: d.sha256, body: d.body } };
      }));
      const outcome = await o.state.commitSegment({ key, covered, heads });
      if (outcome === 'conflict') {
        // This very segment committed by an earlier delivery whose answer was lost: nothing to add.
        if (await o.state.covered(key)) return;
        continue; // another shard's archiver moved a head: chain after it
      }
      for (const h of heads) {
        await put(h.next.key, h.next.body, 'application/json');
        await o.state.markPublished(h.tenant, h.next.sha256);
      }
      for (const objs of byTenant.values()) for (const x of objs) { result.objects++; result.rows += x.rows; result.bytes += x.size; }
      return;
    }
    throw new ArchiveConflictError(`archive commit: digest heads kept moving for ${MAX_CONFLICTS} attempts; the batch will be retried`);
  }

  return {
    /** Publishes the committed digests of these tenants that did not reach S3 yet (a crash after the commit). */
    repair,
    async archive(batch: ArchiveBatch): Promise<ArchiveResult> {
      const { stream, records } = batch;
      const result: ArchiveResult = { objects: 0, rows: 0, bytes: 0, skipped: 0 };
      let i = 0;
      while (i < records.length) {
        const covered = await o.state.covered(commitKey(stream, records[i]!));
        if (covered) {
          const ids = new Set(covered);
          let j = i;
          while (j < records.length && ids.has(recordId(records[j]!))) j++;
          if (j > i) {
            const done = records.slice(i, j);
            result.skipped += done.filter((r) => r.event).length;
            await repair(done.flatMap((r) => (r.event ? [r.event.tenant] : [])));
            // A bisected batch ends inside the committed segment: its other half starts after us.
            const rest = j === records.length ? coveredAfter(covered, records[j - 1]!) : [];
            if (rest.length) await o.state.putPointer(commitKeyForId(stream, rest[0]!), encodeCovered(rest));
            i = j;
            continue;
          }
        }
        let j = i;
        const tenants = new Set<string>();
        for (; j < records.length; j++) {
          const t = records[j]!.event?.tenant;
          if (t === undefined || tenants.has(t)) continue;
          if (tenants.size === MAX_TENANTS_PER_SEGMENT) break;
          tenants.add(t);
        }
        await commitSegment(stream, records.slice(i, j), result);
        i = j;
      }
      return result;
    },
  };
}
