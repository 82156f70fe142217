/**
 * A versioned S3 bucket in memory behind a real SDK client (aws-sdk-client-mock), with the Object
 * Lock rules the compactor depends on: a version under retention cannot be deleted by version id
 * (nor overwritten: every write is a new version), while a delete without a version id adds a
 * delete marker — in both modes. Lists, gets (whole or a byte range), puts, multipart uploads,
 * copies and (multi-)deletes, as S3 answers them.
 */
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateMultipartUploadCommand, DeleteObjectCommand, DeleteObjectsCommand,
  GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, UploadPartCommand, type CompletedPart,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

interface Version { id: string; body: Uint8Array | null; retainUntil: number; modified: number }

export interface VersionedS3 {
  readonly s3: S3Client;
  /** Current objects: key → body. */
  current(prefix?: string): Map<string, Uint8Array>;
  /** Every version of `key` (delete markers as null bodies), oldest first. */
  versions(key: string): { id: string; body: Uint8Array | null; retainUntil: number }[];
  /** The commands sent, by name (e.g. `DeleteObjectsCommand`), with their input. */
  readonly calls: { command: string; input: Record<string, unknown> }[];
  /** Throws the first time `when` selects a command (an injected failure); `fail(() => false)` clears it. */
  fail(when: (command: string, input: Record<string, unknown>) => boolean): void;
  /** Moves the clock (staging objects become garbage after an hour). */
  now: number;
  /** Multipart uploads begun and neither completed nor aborted: upload id → key. */
  readonly uploads: Map<string, string>;
}

export function versionedS3(o: { objectLockDays?: number } = {}): VersionedS3 {
  const s3 = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const store = new Map<string, Version[]>();
  const calls: VersionedS3['calls'] = [];
  let failWhen: (command: string, input: Record<string, unknown>) => boolean = () => false;
  let n = 0;
  const self: VersionedS3 = {
    s3,
    calls,
    uploads: new Map(),
    now: Date.parse('2026-11-28T05:00:00Z'),
    current(prefix = '') {
      const m = new Map<string, Uint8Array>();
      for (const [k, vs] of store) { const v = vs[vs.length - 1]!; if (v.body && k.startsWith(prefix)) m.set(k, v.body); }
      return new Map([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
    },
    versions: (key) => (store.get(key) ?? []).map((v) => ({ id: v.id, body: v.body, retainUntil: v.retainUntil })),
    fail(when) { failWhen = when; },
  };
  const mock = mockClient(s3);
  const check = (command: string, input: Record<string, unknown>) => {
    calls.push({ command, input });
    if (failWhen(command, input)) { failWhen = () => false; throw Object.assign(new Error(`injected failure: ${command} ${String(input['Key'] ?? '')}`), { name: 'InjectedFault' }); }
  };
  const put = (key: string, body: Uint8Array | null, retainUntil?: number) => {
    const lock = body && o.objectLockDays ? (retainUntil ?? self.now + o.objectLockDays * 86_400_000) : 0;
    store.set(key, [...(store.get(key) ?? []), { id: `v${++n}`, body, retainUntil: lock, modified: self.now }]);
  };
  const toBytes = (b: unknown) => (typeof b === 'string' ? new TextEncoder().encode(b) : (b as Uint8Array));
  mock.on(PutObjectCommand).callsFake((i) => {
    check('PutObjectCommand', i);
    const until = i.ObjectLockRetainUntilDate ? new Date(i.ObjectLockRetainUntilDate as Date).getTime() : undefined;
    put(i.Key!, toBytes(i.Body), until);
    return {};
  });
  mock.on(GetObjectCommand).callsFake((i) => {
    check('GetObjectCommand', i);
    const whole = self.current().get(i.Key!);
    if (!whole) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    const range = i.Range ? /^bytes=(\d+)-(\d+)$/.exec(i.Range) : null;
    if (i.Range && !range) throw new Error(`unsupported Range ${i.Range}`);
    const body = range ? whole.subarray(Number(range[1]), Number(range[2]) + 1) : whole;
    const stream = Object.assign(Readable.from([body]), { transformToByteArray: async () => body, transformToString: async () => new TextDecoder().decode(body) });
    return { Body: stream as never };
  });
  mock.on(ListObjectsV2Command).callsFake((i) => {
    check('ListObjectsV2Command', i);
    const keys = [...self.current(i.Prefix ?? '').keys()];
    if (i.Delimiter) {
      const prefixes = [...new Set(keys.map((k) => (i.Prefix ?? '') + k.slice((i.Prefix ?? '').length).split(i.Delimiter!)[0] + i.Delimiter))];
      return { CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })) };
    }
    const start = i.ContinuationToken ? Number(i.ContinuationToken) : 0;
    const page = keys.slice(start, start + 3);
    const modified = (k: string) => new Date(store.get(k)!.at(-1)!.modified);
    return { Contents: page.map((Key) => ({ Key, LastModified: modified(Key) })), NextContinuationToken: start + 3 < keys.length ? String(start + 3) : undefined };
  });
  // As S3: an upload begun with a checksum algorithm (CRC32 here) answers each part with its
  // checksum and completes only with each part's checksum given back.
  const crc32 = (b: Uint8Array) => { const v = Buffer.alloc(4); v.writeUInt32BE(zlib.crc32(b)); return v.toString('base64'); };
  const parts = new Map<string, { key: string; retainUntil?: number | undefined; crc32: boolean; parts: Map<number, Uint8Array> }>();
  mock.on(CreateMultipartUploadCommand).callsFake((i) => {
    check('CreateMultipartUploadCommand', i);
    const id = `upload-${++n}`;
    if (i.ChecksumAlgorithm && i.ChecksumAlgorithm !== 'CRC32') throw new Error(`versioned-s3: checksum algorithm ${i.ChecksumAlgorithm} not modelled`);
    parts.set(id, { key: i.Key!, retainUntil: i.ObjectLockRetainUntilDate ? new Date(i.ObjectLockRetainUntilDate as Date).getTime() : undefined, crc32: i.ChecksumAlgorithm === 'CRC32', parts: new Map() });
    self.uploads.set(id, i.Key!);
    return { UploadId: id };
  });
  mock.on(UploadPartCommand).callsFake((i) => {
    check('UploadPartCommand', i);
    const u = parts.get(i.UploadId!);
    if (!u || u.key !== i.Key) throw Object.assign(new Error('The specified upload does not exist.'), { name: 'NoSuchUpload' });
    const body = toBytes(i.Body);
    u.parts.set(i.PartNumber!, body);
    return { ETag: `"${i.UploadId}-${i.PartNumber}"`, ...(u.crc32 ? { ChecksumCRC32: crc32(body) } : {}) };
  });
  mock.on(CompleteMultipartUploadCommand).callsFake((i) => {
    check('CompleteMultipartUploadCommand', i);
    const u = parts.get(i.UploadId!);
    if (!u || u.key !== i.Key) throw Object.assign(new Error('The specified upload does not exist.'), { name: 'NoSuchUpload' });
    const listed: CompletedPart[] = i.MultipartUpload?.Parts ?? [];
    if (!listed.length || listed.some((x, j) => x.PartNumber !== j + 1 || x.ETag !== `"${i.UploadId}-${x.PartNumber}"` || !u.parts.has(x.PartNumber!))) {
      throw Object.assign(new Error('One or more of the specified parts could not be found.'), { name: 'InvalidPart' });
    }
    const unchecked = listed.find((x) => u.crc32 && x.ChecksumCRC32 !== crc32(u.parts.get(x.PartNumber!)!));
    if (unchecked) throw Object.assign(new Error(`The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part ${unchecked.PartNumber} in the request.`), { name: 'InvalidRequest' });
    const chunks: Uint8Array[] = listed.map((x) => u.parts.get(x.PartNumber!)!);
    const body = new Uint8Array(chunks.reduce((m, c) => m + c.length, 0));
    let at = 0;
    for (const c of chunks) { body.set(c, at); at += c.length; }
    put(u.key, body, u.retainUntil);
    parts.delete(i.UploadId!);
    self.uploads.delete(i.UploadId!);
    return {};
  });
  mock.on(AbortMultipartUploadCommand).callsFake((i) => {
    check('AbortMultipartUploadCommand', i);
    parts.delete(i.UploadId!);
    self.uploads.delete(i.UploadId!);
    return {};
  });
  mock.on(CopyObjectCommand).callsFake((i) => {
    check('CopyObjectCommand', i);
    const source = String(i.CopySource).split('/').slice(1).map(decodeURIComponent).join('/');
    const body = self.current().get(source);
    if (!body) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
    put(i.Key!, body);
    return {};
  });
  const del = (key: string, versionId?: string) => {
    if (versionId) {
      const v = store.get(key)?.find((x) => x.id === versionId);
      if (v && v.retainUntil > self.now) throw Object.assign(new Error('Access Denied because object protected by object lock.'), { name: 'AccessDenied' });
      store.set(key, (store.get(key) ?? []).filter((x) => x.id !== versionId));
      return;
    }
    if (store.has(key)) put(key, null); // a delete marker: allowed under Object Lock
  };
  mock.on(DeleteObjectCommand).callsFake((i) => { check('DeleteObjectCommand', i); del(i.Key!, i.VersionId); return {}; });
  mock.on(DeleteObjectsCommand).callsFake((i) => {
    check('DeleteObjectsCommand', i);
    const errors: { Key: string; Code: string; Message: string }[] = [];
    for (const x of i.Delete?.Objects ?? []) {
      try { del(x.Key!, x.VersionId); } catch (err) { errors.push({ Key: x.Key!, Code: (err as Error).name, Message: (err as Error).message }); }
    }
    return { Errors: errors.length ? errors : undefined };
  });
  return self;
}
