/**
 * The compactor's I/O (the protocol and why it is crash-safe: core/compact.ts): per tenant, finish
 * every committed compaction that a crash interrupted, delete staging garbage, then merge each
 * closed tenant-day's small objects — staged under `compaction/`, read back and checked, committed
 * with a version-2 digest by the archiver's compare-and-set on the chain head, then swapped in.
 */
import { randomUUID } from 'node:crypto';
import * as z from '../core/zod-mini.ts';
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand, DeleteObjectsCommand,
  GetObjectCommand, ListObjectsV2Command, PutObjectCommand, UploadPartCommand, type CompletedPart, type S3Client,
} from '@aws-sdk/client-s3';
import { parquetMetadata, parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { ByteWriter, type Writer } from 'hyparquet-writer';
import { ARCHIVE_COLUMNS, EVENTS_PREFIX } from '../core/archive.ts';
import {
  chainListing, compactable, compactionCommitKey, DEFAULT_SIZE_CAP, daysOf, mergeSorted, MergeOrderError, OUTPUT_ROW_GROUP, outputKey, planDay, planErasure,
  rowSetAccumulator, sortRows, stagingKey, STAGING_PREFIX, type MergeGroup, type MergeSource,
} from '../core/compact.ts';
import { DIGESTS_PREFIX, encodeDigest, sha256Hex, type DigestObject, type Replacement } from '../core/digest.ts';
import type { AuthEvent } from '../core/event.ts';
import { ARCHIVE_DECOMPRESSORS, archiveParquetStream, readParquetColumns } from '../core/parquet.ts';
import { encodeCovered } from '../core/stream-commit.ts';
import type { ArchiveState } from './archive-state.ts';
import { archiveWriter } from './archive-writer.ts';
import { mapLimit } from './archive-verify.ts';

/** The steps after which a test may cut the power (`fault`). */
export type CompactionStep = 'staged' | 'checked' | 'committed' | 'published' | 'deleted' | 'moved';

export interface ArchiveCompactorOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly state: ArchiveState;
  readonly kmsKeyId?: string | undefined;
  /** The bucket's Object Lock mode (`retention.objectLock`): staging copies get a one-day retention. */
  readonly objectLock?: 'governance' | 'compliance' | undefined;
  /** Parquet bytes of one merged object (about; core/compact.ts). @default DEFAULT_SIZE_CAP (256 MiB) */
  readonly sizeCap?: number;
  /** Rows of an output row group. @default OUTPUT_ROW_GROUP (100,000) */
  readonly rowGroupRows?: number;
  /**
   * Bytes buffered before they go to S3 as one part of a multipart upload; an output smaller than
   * this is one PutObject. S3 takes parts of 5 MiB or more (but the last). @default 8 MiB
   */
  readonly partSize?: number;
  /** Input objects fetched ahead of the merge. @default 16 */
  readonly prefetch?: number;
  /** `retention.archiveDays`: days that near their expiry are left alone. */
  readonly archiveDays?: number | undefined;
  readonly now?: () => number;
  /** Called after each step; a test throws here to leave the archive as a crash would. */
  readonly fault?: (step: CompactionStep, dt: string) => void;
}

export interface DayResult {
  readonly dt: string;
  /** Objects of the day before and after (listed by the chain). */
  readonly objectsBefore: number;
  readonly objectsAfter: number;
  /** Objects merged, and objects they were merged into (one per merge group). */
  readonly inputs: number;
  readonly outputs: number;
  readonly rows: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly ms: number;
}

export interface TenantResult {
  readonly tenant: string;
  readonly days: DayResult[];
  /** Interrupted compactions finished by this run. */
  readonly finished: number;
  /** Staging objects of abandoned runs deleted. */
  readonly garbage: number;
}

/** What an erasure did: per day, the objects rewritten and the rows erased. */
export interface ErasureResult {
  readonly tenant: string;
  /** Current objects whose identity columns were read. */
  readonly scanned: number;
  readonly days: readonly { dt: string; objects: number; rows: number }[];
  readonly rows: number;
}

/** The columns that name a person: an erasure matches its subject against them. */
export const IDENTITY_COLUMNS = ['user_id', 'user_login', 'user_email', 'actor_id', 'actor_login'] as const;

export class CompactionError extends Error {
  override name = 'CompactionError';
}

/** Staging objects younger than this may belong to a compactor still running. */
const GARBAGE_AFTER_MS = 3_600_000;
const MAX_CONFLICTS = 10;
const COLUMNS = ARCHIVE_COLUMNS.map((c) => c.name);
const TYPES = new Map(ARCHIVE_COLUMNS.map((c) => [c.name, c.type]));
const PART_SIZE = 8 * 1024 * 1024;

/** Decoded archive rows back to events (timestamps as ISO strings, absent values as null). */
const toEvents = (tenant: string, rows: Record<string, unknown>[]): AuthEvent[] => rows.map((r) => {
  const e: Record<string, unknown> = { tenant };
  for (const c of COLUMNS) {
    const v = r[c];
    e[c] = v === undefined ? null : TYPES.get(c) === 'TIMESTAMP' && v instanceof Date ? v.toISOString() : v;
  }
  return e as unknown as AuthEvent;
});

/** The merged rows without those an erasure drops, which are counted into `removed`. */
async function* dropRows(merged: AsyncIterable<AuthEvent[]>, drop: (row: AuthEvent) => boolean, removed: ReturnType<typeof rowSetAccumulator>): AsyncGenerator<AuthEvent[]> {
  for await (const rows of merged) {
    const gone = rows.filter(drop);
    if (!gone.length) { yield rows; continue; }
    removed.add(gone);
    const kept = rows.filter((r) => !drop(r));
    if (kept.length) yield kept;
  }
}

const toArrayBuffer = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

export function archiveCompactor(o: ArchiveCompactorOptions) {
  const now = o.now ?? Date.now;
  const cap = o.sizeCap ?? DEFAULT_SIZE_CAP;
  const sse = o.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: o.kmsKeyId } : {};
  const writer = archiveWriter({ s3: o.s3, bucket: o.bucket, state: o.state, kmsKeyId: o.kmsKeyId, now: () => new Date(now()) });
  const fault = o.fault ?? (() => {});

  async function list(prefix: string): Promise<{ key: string; modified: number }[]> {
    const out: { key: string; modified: number }[] = [];
    let token: string | undefined;
    do {
      const page = await o.s3.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const x of page.Contents ?? []) if (x.Key) out.push({ key: x.Key, modified: x.LastModified?.getTime() ?? 0 });
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }

  const getBytes = async (key: string) => (await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }))).Body!.transformToByteArray();

  async function chain(tenant: string) {
    const head = await o.state.head(tenant);
    const keys = (await list(`${DIGESTS_PREFIX}tenant=${tenant}/`)).map((x) => x.key);
    const bodies = await mapLimit(keys, 32, async (k) => new TextDecoder().decode(await getBytes(k)));
    const digests = new Map(keys.map((k, i) => [k, bodies[i]!]));
    if (head && !head.published && head.body !== undefined) digests.set(head.key, head.body);
    const listing = chainListing(head, digests);
    if (listing.findings.length) throw new CompactionError(`the digest chain of ${tenant} does not verify (${listing.findings[0]!.kind} ${listing.findings[0]!.key}): run authtrail verify --tenant ${tenant}; nothing was compacted`);
    return { head, ...listing };
  }

  async function deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      if (batch.length === 1) { await o.s3.send(new DeleteObjectCommand({ Bucket: o.bucket, Key: batch[0] })); continue; }
      // Without a version id: in the versioned archive a delete marker, which Object Lock allows.
      const r = await o.s3.send(new DeleteObjectsCommand({ Bucket: o.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
      if (r.Errors?.length) throw new CompactionError(`deleting ${r.Errors.length} replaced object(s) failed: ${r.Errors[0]!.Key}: ${r.Errors[0]!.Code} ${r.Errors[0]!.Message ?? ''}`);
    }
  }

  /** Step 4, idempotent: old set out, staged outputs in, staging copies away. */
  async function finish(r: Replacement, news: readonly DigestObject[], events: Set<string>, staged: Set<string>): Promise<void> {
    const missing = news.filter((n) => !events.has(n.key));
    for (const n of missing) {
      if (!staged.has(r.staging[n.key] ?? '')) throw new CompactionError(`compaction of ${r.dt}: ${n.key} is neither in place nor staged; run authtrail verify`);
    }
    await deleteKeys(r.old.map((x) => x.key).filter((k) => events.has(k)));
    for (const x of r.old) events.delete(x.key);
    fault('deleted', r.dt);
    for (const n of missing) {
      const source = r.staging[n.key]!;
      await o.s3.send(new CopyObjectCommand({
        Bucket: o.bucket, Key: n.key, CopySource: encodeURI(`${o.bucket}/${source}`),
        ContentType: 'application/vnd.apache.parquet', MetadataDirective: 'REPLACE', ...sse,
      }));
      events.add(n.key);
    }
    fault('moved', r.dt);
    await deleteKeys(news.map((n) => r.staging[n.key]).filter((k): k is string => k !== undefined && staged.has(k)));
    for (const n of news) staged.delete(r.staging[n.key] ?? '');
  }

  /**
   * One input of a merge: fetched whole (an input is under half the size cap; an archiver object a
   * few hundred KB) and checked against its digest's hash, then decoded row group by row group, each
   * in output order. Every row decoded is counted into `seen` (the old set's identity).
   */
  async function* readInput(tenant: string, obj: DigestObject, fetched: Promise<Uint8Array>, seen: ReturnType<typeof rowSetAccumulator>): AsyncGenerator<AuthEvent[]> {
    let bytes: Uint8Array;
    try {
      bytes = await fetched;
    } catch (err) {
      if ((err as { name?: string }).name !== 'NoSuchKey') throw err;
      throw new CompactionError(`${obj.key} is gone: the day changed while it was being compacted (another compactor finished it first); run the compactor again`);
    }
    if (sha256Hex(bytes) !== obj.sha256) throw new CompactionError(`${obj.key} differs from what its digest recorded: run authtrail verify --tenant ${tenant}; the day was not compacted`);
    const file = toArrayBuffer(bytes);
    const metadata = parquetMetadata(file);
    const read = async (rowStart: number, rowEnd: number, columns = COLUMNS) =>
      parquetReadObjects({ file, metadata, columns, rowStart, rowEnd, compressors: ARCHIVE_DECOMPRESSORS });
    const total = Number(metadata.num_rows);
    if (total !== obj.rows) throw new CompactionError(`${obj.key} holds ${total} rows, its digest ${obj.rows}; run authtrail verify --tenant ${tenant}`);
    const groups: [number, number][] = [];
    let start = 0;
    for (const g of metadata.row_groups) { groups.push([start, start + Number(g.num_rows)]); start += Number(g.num_rows); }
    // Several row groups are streamed when the object is in event_time order (everything authtrail
    // writes is); otherwise, and for one row group, the object is read and sorted whole.
    let ordered = groups.length > 1;
    if (ordered) {
      const times = (await read(0, total, ['event_time'])).map((r) => (r['event_time'] as Date).getTime());
      for (let i = 1; i < times.length && ordered; i++) if (times[i]! < times[i - 1]!) ordered = false;
    }
    if (!ordered) {
      const rows = toEvents(tenant, await read(0, total));
      seen.add(rows);
      yield sortRows(rows);
      return;
    }
    // Rows of equal event_time are sorted by the rest of the key: a run that may go on in the next
    // row group is held back until it is read.
    let carry: AuthEvent[] = [];
    for (let g = 0; g < groups.length; g++) {
      const rows = toEvents(tenant, await read(groups[g]![0], groups[g]![1]));
      seen.add(rows);
      const all = carry.length ? carry.concat(rows) : rows;
      if (g === groups.length - 1) { yield sortRows(all); break; }
      const lastTime = all[all.length - 1]!.event_time;
      let cut = all.length;
      while (cut > 0 && all[cut - 1]!.event_time === lastTime) cut--;
      carry = all.slice(cut);
      yield sortRows(all.slice(0, cut));
    }
  }

  /** The merge's inputs, each fetched up to `prefetch` inputs ahead of the one the merge opens. */
  function sources(p: MergeGroup, seen: ReturnType<typeof rowSetAccumulator>): MergeSource<AuthEvent>[] {
    const ahead = Math.max(1, o.prefetch ?? 16);
    const fetches = new Map<number, Promise<Uint8Array>>();
    let started = 0;
    const fetchUpTo = (i: number) => {
      for (; started < Math.min(p.inputs.length, i + ahead); started++) {
        const f = getBytes(p.inputs[started]!.key);
        f.catch(() => {}); // seen when the merge opens it
        fetches.set(started, f);
      }
    };
    // Opened in the order of planDay (first event_time), as mergeSorted opens them.
    return p.inputs.map((obj, i) => {
      const t = Date.parse(obj.first_event_time);
      return {
        first: Number.isNaN(t) ? -Infinity : t,
        open: () => {
          fetchUpTo(i);
          const f = fetches.get(i) ?? getBytes(obj.key);
          fetches.delete(i);
          return readInput(p.tenant, obj, f, seen)[Symbol.asyncIterator]();
        },
      };
    });
  }

  /**
   * An S3 object written as it is produced: bytes buffered up to `partSize`, then sent as parts of
   * a multipart upload (an object that never reaches a part is one PutObject), hashed on the way.
   */
  function upload(key: string, headers: Record<string, unknown>) {
    const partSize = o.partSize ?? PART_SIZE;
    const writer: ByteWriter & Writer = new ByteWriter(1 << 20);
    const hash = createHash('sha256');
    const parts: CompletedPart[] = [];
    let uploadId: string | undefined;
    const take = () => {
      const chunk = new Uint8Array(writer.buffer.slice(0, writer.index));
      writer.index = 0;
      hash.update(chunk);
      return chunk;
    };
    const part = async (chunk: Uint8Array) => {
      // One checksum algorithm named at the start, on each part and (the parts' values) at the end:
      // S3 checks each part, and an Object Lock bucket requires a checksum on every write.
      uploadId ??= (await o.s3.send(new CreateMultipartUploadCommand({ Bucket: o.bucket, Key: key, ChecksumAlgorithm: 'CRC32', ...headers }))).UploadId;
      const PartNumber = parts.length + 1;
      const r = await o.s3.send(new UploadPartCommand({ Bucket: o.bucket, Key: key, UploadId: uploadId, PartNumber, Body: chunk, ChecksumAlgorithm: 'CRC32' }));
      parts.push({
        PartNumber, ETag: r.ETag,
        ...(r.ChecksumCRC32 ? { ChecksumCRC32: r.ChecksumCRC32 } : {}), ...(r.ChecksumCRC32C ? { ChecksumCRC32C: r.ChecksumCRC32C } : {}),
        ...(r.ChecksumCRC64NVME ? { ChecksumCRC64NVME: r.ChecksumCRC64NVME } : {}), ...(r.ChecksumSHA1 ? { ChecksumSHA1: r.ChecksumSHA1 } : {}),
        ...(r.ChecksumSHA256 ? { ChecksumSHA256: r.ChecksumSHA256 } : {}),
      });
    };
    // The Parquet writer calls flush after each row group and waits for it.
    writer.flush = () => (writer.index >= partSize ? part(take()) : undefined);
    return {
      writer,
      async close(): Promise<{ sha256: string; size: number }> {
        const size = writer.offset;
        const chunk = take();
        if (uploadId === undefined) await o.s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: key, Body: chunk, ...headers }));
        else {
          await part(chunk);
          await o.s3.send(new CompleteMultipartUploadCommand({ Bucket: o.bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
        }
        return { sha256: hash.digest('hex'), size };
      },
      /** Best effort: an upload left open is removed by the bucket's incomplete-upload lifecycle rule. */
      async abort() {
        try {
          if (uploadId) await o.s3.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: key, UploadId: uploadId }));
        } catch { /* the lifecycle rule removes it */ }
      },
    };
  }

  /**
   * Writes the merged rows as Parquet, one row group per batch, into staging objects: a new one
   * whenever another row group of the last one's size would take the current past the cap.
   */
  async function writeOutputs(p: MergeGroup, run: string, merged: AsyncIterable<AuthEvent[]>, staged: Set<string>) {
    const headers = {
      ContentType: 'application/vnd.apache.parquet', ...sse,
      ...(o.objectLock ? { ObjectLockMode: o.objectLock === 'compliance' ? 'COMPLIANCE' as const : 'GOVERNANCE' as const, ObjectLockRetainUntilDate: new Date(now() + 86_400_000) } : {}),
    };
    const outputs: DigestObject[] = [];
    const staging: Record<string, string> = {};
    let cur: { key: string; up: ReturnType<typeof upload>; pq: ReturnType<typeof archiveParquetStream>; rows: number; groups: number; first: string; last: string } | undefined;
    const close = async () => {
      const c = cur!;
      await c.pq.finish();
      const { sha256, size } = await c.up.close();
      cur = undefined;
      staged.add(staging[c.key]!);
      outputs.push({ key: c.key, sha256, size, rows: c.rows, first_event_time: c.first, last_event_time: c.last });
    };
    try {
      for await (const rows of merged) {
        if (!cur) {
          const key = outputKey(p, outputs.length);
          staging[key] = stagingKey(key, run);
          const up = upload(staging[key]!, headers);
          cur = { key, up, pq: archiveParquetStream(up.writer), rows: 0, groups: 0, first: rows[0]!.event_time, last: '' };
        }
        const before = cur.up.writer.offset;
        await cur.pq.write(rows);
        cur.rows += rows.length;
        cur.last = rows[rows.length - 1]!.event_time;
        // Room for another row group of this one's size, and the footer grown by one row group's share?
        const group = cur.up.writer.offset - before;
        cur.groups++;
        const footer = cur.pq.footerBytes();
        if (cur.up.writer.offset + group + (footer * (cur.groups + 1)) / cur.groups > cap) await close();
      }
      if (cur) await close();
    } catch (err) {
      // Nothing names these yet: what is staged goes (or, if that fails, a later run's garbage sweep takes it).
      await cur?.up.abort();
      try {
        await deleteKeys(outputs.map((x) => staging[x.key]!));
        for (const x of outputs) staged.delete(staging[x.key]!);
      } catch { /* garbage for a later run */ }
      if (err instanceof MergeOrderError) throw new CompactionError(`${p.tenant} ${p.dt}: ${err.message}; nothing was replaced`);
      throw err;
    }
    return { outputs, staging };
  }

  /** What S3 holds at `key`: its SHA-256 (streamed) and its row set (row group by row group, by ranged reads of two columns). */
  async function readBack(key: string, size: number) {
    const r = await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key }));
    const hash = createHash('sha256');
    let length = 0;
    for await (const chunk of r.Body as AsyncIterable<Uint8Array>) { hash.update(chunk); length += chunk.length; }
    const file: AsyncBuffer = {
      byteLength: size,
      slice: async (start, end = size) => toArrayBuffer(await (await o.s3.send(new GetObjectCommand({ Bucket: o.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }))).Body!.transformToByteArray()),
    };
    const set = rowSetAccumulator();
    if (length === size) {
      const metadata: FileMetaData = await parquetMetadataAsync(file);
      let start = 0;
      for (const g of metadata.row_groups) {
        const end = start + Number(g.num_rows);
        const rows = await parquetReadObjects({ file, metadata, columns: ['source_id', 'event_uid'], rowStart: start, rowEnd: end, compressors: ARCHIVE_DECOMPRESSORS });
        set.add(rows.map((x) => ({ source_id: String(x['source_id']), event_uid: String(x['event_uid']) })));
        start = end;
      }
    }
    return { sha256: hash.digest('hex'), ...set.get() };
  }

  /** Steps 1–4 for one merge group of a tenant-day. */
  async function compactGroup(p: MergeGroup, events: Set<string>, staged: Set<string>): Promise<{ rows: number; erased: number; bytesIn: number; bytesOut: number; outputs: number }> {
    const run = randomUUID().slice(0, 8);
    const seen = rowSetAccumulator();
    const removed = rowSetAccumulator();
    const merged = mergeSorted(sources(p, seen), o.rowGroupRows ?? OUTPUT_ROW_GROUP);
    const { outputs, staging } = await writeOutputs(p, run, p.erase ? dropRows(merged, p.erase.drop, removed) : merged, staged);
    const before = seen.get();
    const gone = removed.get();
    const expected = p.inputs.reduce((n, x) => n + x.rows, 0);
    if (before.rows !== expected) throw new CompactionError(`${p.tenant} ${p.dt}: the objects hold ${before.rows} rows, their digests ${expected}; run authtrail verify`);
    fault('staged', p.dt);
    // Read back what S3 holds: the same bytes, and the same rows.
    let sum = 0n;
    for (const out of outputs) {
      const back = await readBack(staging[out.key]!, out.size);
      if (back.sha256 !== out.sha256) throw new CompactionError(`${p.tenant} ${p.dt}: the staged ${staging[out.key]} does not read back as written; nothing was replaced`);
      if (back.rows !== out.rows) throw new CompactionError(`${p.tenant} ${p.dt}: the staged ${staging[out.key]} reads back with ${back.rows} rows, not the ${out.rows} written; nothing was replaced`);
      sum = (sum + BigInt(`0x${back.row_set}`)) % (1n << 256n);
    }
    const total = outputs.reduce((n, x) => n + x.rows, 0);
    // What was read back plus what an erasure dropped is what was read: the multiset hashes add up.
    const afterSet = { rows: total + gone.rows, row_set: ((sum + BigInt(`0x${gone.row_set}`)) % (1n << 256n)).toString(16).padStart(64, '0') };
    if (afterSet.rows !== before.rows || afterSet.row_set !== before.row_set) throw new CompactionError(`${p.tenant} ${p.dt}: the merged object reads back with ${total} rows (${gone.rows} erased; ${afterSet.row_set.slice(0, 12)}…), not the ${before.rows} (${before.row_set.slice(0, 12)}…) merged; nothing was replaced`);
    fault('checked', p.dt);
    const replaces: Replacement = {
      reason: p.erase ? 'erasure' : 'compaction', dt: p.dt, old: p.inputs.map((x) => ({ key: x.key, sha256: x.sha256, size: x.size, rows: x.rows })), rows: before.rows, row_set: before.row_set, staging,
      ...(p.erase ? { erased: { id: p.erase.id, rows: gone.rows, row_set: gone.row_set, request: p.erase.request } } : {}),
    };
    const commitKey = compactionCommitKey(p.tenant, p.id);
    let committed = false;
    for (let attempt = 0; attempt < MAX_CONFLICTS && !committed; attempt++) {
      await writer.repair([p.tenant]);
      const head = await o.state.head(p.tenant);
      if (attempt > 0) {
        // The head moved (an archiver batch, or another compactor): still ours to replace?
        const { current } = await chain(p.tenant);
        const keys = new Set(current.map((x) => x.key));
        if (!p.inputs.every((x) => keys.has(x.key))) {
          if (await o.state.covered(commitKey)) { committed = true; break; }
          throw new CompactionError(`${p.tenant} ${p.dt}: another compactor replaced these objects first`);
        }
      }
      const previous = head ? { key: head.key, sha256: head.sha256 } : null;
      const d = encodeDigest({ version: 2, tenant: p.tenant, created: new Date(now()).toISOString(), previous, objects: outputs, replaces });
      const outcome = await o.state.commitSegment({ key: commitKey, covered: encodeCovered([]), heads: [{ tenant: p.tenant, expected: previous, next: { key: d.key, sha256: d.sha256, body: d.body } }] });
      if (outcome === 'committed') {
        committed = true;
        fault('committed', p.dt);
        await o.s3.send(new PutObjectCommand({ Bucket: o.bucket, Key: d.key, Body: d.body, ContentType: 'application/json', ...sse }));
        await o.state.markPublished(p.tenant, d.sha256);
        fault('published', p.dt);
        await finish(replaces, outputs, events, staged);
      } else if (await o.state.covered(commitKey)) {
        // Committed by a concurrent run with its own staging copy: that run finishes it (or the next run does); ours is garbage.
        committed = true;
      }
    }
    if (!committed) throw new CompactionError(`${p.tenant} ${p.dt}: the digest head kept moving for ${MAX_CONFLICTS} attempts; run the compactor again`);
    return { rows: before.rows, erased: gone.rows, bytesIn: p.inputs.reduce((n, x) => n + x.size, 0), bytesOut: outputs.reduce((n, x) => n + x.size, 0), outputs: outputs.length };
  }

  /** Before any merge: the chain, the listing, interrupted replacements finished and staging garbage removed. */
  async function prepare(tenant: string) {
    await writer.repair([tenant]);
    const c = await chain(tenant);
    const events = new Set((await list(`${EVENTS_PREFIX}tenant=${tenant}/`)).map((x) => x.key));
    const stagingList = await list(`${STAGING_PREFIX}tenant=${tenant}/`);
    const staged = new Set(stagingList.map((x) => x.key));
    let finished = 0;
    // A merged object that a later compaction merged again is that later one's to finish.
    const replacedLater = new Set(c.replacements.flatMap((x) => x.r.old.map((o) => o.key)));
    for (const { r, objects: all } of c.replacements) {
      const objects = all.filter((n) => !replacedLater.has(n.key));
      const referenced = objects.map((n) => r.staging[n.key]).filter((k): k is string => k !== undefined && staged.has(k));
      if (objects.every((n) => events.has(n.key)) && !r.old.some((x) => events.has(x.key)) && !referenced.length) continue;
      await finish(r, objects, events, staged);
      finished++;
    }
    // Staging copies no committed compaction names: a run that stopped before its commit.
    const garbage = stagingList.filter((x) => staged.has(x.key) && now() - x.modified > GARBAGE_AFTER_MS).map((x) => x.key);
    await deleteKeys(garbage);
    return { c, events, staged, finished, garbage: garbage.length };
  }

  return {
    /**
     * Compacts one tenant: finishes interrupted compactions, removes staging garbage, then merges
     * each closed day (or only `day`, which may be any day before today) that has small objects.
     */
    async compactTenant(tenant: string, opts: { day?: string | undefined; deadline?: number | undefined } = {}): Promise<TenantResult> {
      if (opts.day && !compactable(opts.day, now(), true)) throw new CompactionError(`${opts.day} is not over yet: a day can be compacted from the day after (UTC)`);
      const { c, events, staged, finished, garbage } = await prepare(tenant);
      const days: DayResult[] = [];
      const oldest = o.archiveDays ? new Date(now() - (o.archiveDays - 2) * 86_400_000).toISOString().slice(0, 10) : '';
      for (const [dt, objects] of daysOf(c.current)) {
        if (opts.day ? dt !== opts.day : !compactable(dt, now(), false) || dt < oldest) continue;
        if (opts.deadline && now() > opts.deadline) break;
        const groups = planDay(tenant, dt, objects, cap);
        if (!groups.length) continue;
        const t0 = performance.now();
        const sum = { rows: 0, bytesIn: 0, bytesOut: 0, outputs: 0 };
        for (const g of groups) {
          const r = await compactGroup(g, events, staged);
          sum.rows += r.rows; sum.bytesIn += r.bytesIn; sum.bytesOut += r.bytesOut; sum.outputs += r.outputs;
        }
        const inputs = groups.reduce((n, g) => n + g.inputs.length, 0);
        const { outputs, ...rest } = sum;
        days.push({ dt, objectsBefore: objects.length, objectsAfter: objects.length - inputs + outputs, inputs, outputs, ...rest, ms: performance.now() - t0 });
      }
      return { tenant, days, finished, garbage };
    },
    /**
     * Erases one data subject's rows from a tenant's archive (`authtrail erase`): every current
     * object whose identity columns match `drop` is rewritten without those rows, day by day, by
     * the compaction protocol (same crash safety), each day's replacement recorded in the chain as
     * an erasure with its row count, hash, reason and id. Days outside [from, to] are left alone.
     */
    async eraseTenant(tenant: string, e: { drop: (row: AuthEvent) => boolean; id: string; request: string; from?: string | undefined; to?: string | undefined; dryRun?: boolean }): Promise<ErasureResult> {
      const { c, events, staged } = await prepare(tenant);
      const affected = new Map<string, { objects: DigestObject[]; rows: number }>();
      let scanned = 0;
      for (const obj of c.current) {
        const dt = /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(obj.key)?.[1];
        if (!dt || (e.from && dt < e.from) || (e.to && dt > e.to)) continue;
        scanned++;
        const rows = await readParquetColumns(await getBytes(obj.key), [...IDENTITY_COLUMNS]) as unknown as AuthEvent[];
        const n = rows.filter(e.drop).length;
        if (!n) continue;
        const day = affected.get(dt) ?? { objects: [], rows: 0 };
        day.objects.push(obj);
        day.rows += n;
        affected.set(dt, day);
      }
      const days: { dt: string; objects: number; rows: number }[] = [];
      for (const [dt, a] of [...affected].sort(([x], [y]) => (x < y ? -1 : 1))) {
        if (e.dryRun) { days.push({ dt, objects: a.objects.length, rows: a.rows }); continue; }
        const g = planErasure(tenant, dt, a.objects, { drop: e.drop, id: e.id, request: e.request })!;
        const r = await compactGroup(g, events, staged);
        days.push({ dt, objects: a.objects.length, rows: r.erased });
      }
      return { tenant, scanned, days, rows: days.reduce((n, d) => n + d.rows, 0) };
    },
    /** Tenants with anything under `events/`. */
    async tenants(): Promise<string[]> {
      const out = new Set<string>();
      let token: string | undefined;
      do {
        const page = await o.s3.send(new ListObjectsV2Command({ Bucket: o.bucket, Prefix: EVENTS_PREFIX, Delimiter: '/', ContinuationToken: token }));
        for (const p of page.CommonPrefixes ?? []) { const t = /^events\/tenant=([^/]+)\/$/.exec(p.Prefix ?? '')?.[1]; if (t) out.add(t); }
        token = page.NextContinuationToken;
      } while (token);
      return [...out].sort();
    },
  };
}

export type ArchiveCompactor = ReturnType<typeof archiveCompactor>;

export const CompactRequest = z.strictObject({
  tenant: z.optional(z.string().check(z.minLength(1))),
  day: z.optional(z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/))),
});
export type CompactRequest = z.infer<typeof CompactRequest>;

export interface CompactSummary {
  readonly tenants: readonly (TenantResult & { objectsBefore: number; objectsAfter: number })[];
  readonly errors: readonly { tenant: string; message: string }[];
}

export interface CompactDeps {
  readonly compactor: Pick<ArchiveCompactor, 'compactTenant' | 'tenants'>;
  /** Tenants of the deployed config. */
  readonly configTenants: readonly string[];
  /** Stop starting new days after this instant (the function's time limit, less a margin). */
  readonly deadline?: number | undefined;
}

/** One run: each tenant (or the one asked for), its errors collected. */
export async function compactAll(input: unknown, deps: CompactDeps): Promise<CompactSummary> {
  const req = CompactRequest.parse(input ?? {});
  const { tenant, day } = req;
  const known = [...new Set([...deps.configTenants, ...await deps.compactor.tenants()])].sort();
  // A tenant neither configured nor archived is a typo: "nothing to compact" would mislead.
  if (tenant && !known.includes(tenant)) throw new CompactionError(`unknown tenant "${tenant}": it is not in the config and has nothing in the archive (tenants: ${known.join(', ') || 'none'})`);
  const tenants = tenant ? [tenant] : known;
  const results: CompactSummary['tenants'][number][] = [];
  const errors: { tenant: string; message: string }[] = [];
  for (const t of tenants) {
    try {
      const r = await deps.compactor.compactTenant(t, { day, deadline: deps.deadline });
      results.push({ ...r, objectsBefore: r.days.reduce((n, d) => n + d.objectsBefore, 0), objectsAfter: r.days.reduce((n, d) => n + d.objectsAfter, 0) });
    } catch (err) {
      errors.push({ tenant: t, message: (err as Error).message });
    }
  }
  return { tenants: results, errors };
}

