/**
 * Writes a batch of canonical events to the archive: one Parquet object per tenant and day,
 * then one digest per tenant chained to the previous one. All or nothing: if an object cannot
 * be written, the objects already written by this call are removed and the error is rethrown,
 * so a retried batch never leaves a second copy of an event behind.
 */
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { archiveKey, groupByPartition } from '../core/archive.ts';
import { encodeDigest, type DigestObject } from '../core/digest.ts';
import type { AuthEvent } from '../core/event.ts';
import { eventsToParquet } from '../core/parquet.ts';
import type { DigestHeads } from './state.ts';

export interface ArchiveWriterOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly heads: DigestHeads;
  readonly kmsKeyId?: string | undefined;
  readonly now?: () => Date;
}

export interface ArchiveResult { objects: number; rows: number; bytes: number }

export function archiveWriter(o: ArchiveWriterOptions) {
  const now = o.now ?? (() => new Date());
  const sse = o.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: o.kmsKeyId } : {};
  const put = (Key: string, Body: Uint8Array | string, ContentType: string) =>
    o.s3.send(new PutObjectCommand({ Bucket: o.bucket, Key, Body, ContentType, ...sse }));

  async function chainDigest(tenant: string, objects: DigestObject[]): Promise<void> {
    for (let attempt = 0; attempt < 8; attempt++) {
      const previous = await o.heads.get(tenant);
      const d = encodeDigest({ version: 1, tenant, created: now().toISOString(), previous, objects });
      await put(d.key, d.body, 'application/json');
      if (await o.heads.compareAndSet(tenant, previous, { key: d.key, sha256: d.sha256 })) return;
      // Another archiver moved the head first: withdraw this digest and chain after theirs.
      await o.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: d.key }));
    }
    throw new Error(`digest chain of tenant ${tenant}: the head kept moving; retry the batch`);
  }

  return {
    async archive(events: readonly AuthEvent[]): Promise<ArchiveResult> {
      const written: DigestObject[] = [];
      const byTenant = new Map<string, DigestObject[]>();
      try {
        for (const g of groupByPartition(events).values()) {
          const body = eventsToParquet(g.events);
          const { key, sha256 } = archiveKey(g.tenant, g.dt, body);
          await put(key, body, 'application/vnd.apache.parquet');
          const times = g.events.map((e) => e.event_time).sort();
          const rec: DigestObject = { key, sha256, size: body.length, rows: g.events.length, first_event_time: times[0]!, last_event_time: times[times.length - 1]! };
          written.push(rec);
          byTenant.set(g.tenant, [...(byTenant.get(g.tenant) ?? []), rec]);
        }
      } catch (err) {
        await Promise.allSettled(written.map((w) => o.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: w.key }))));
        throw err;
      }
      // An object without its digest shows up as "unlisted" in `authtrail verify` until the retry lists it.
      for (const [tenant, objects] of byTenant) await chainDigest(tenant, objects);
      return { objects: written.length, rows: events.length, bytes: written.reduce((a, w) => a + w.size, 0) };
    },
  };
}
