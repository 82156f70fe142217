/**
 * The quarantine: what could not be stored, kept with its reasons under
 * `quarantine/tenant=<tenant>/dt=<received day>/<id>.json` in the archive bucket (CONTRACT §5),
 * so nothing is dropped and `authtrail quarantine replay` can run it again after a fix.
 *
 * One object per quarantined body (format 2):
 *
 *     {"format":2,"id","tenant","source_id","received_time","origin","items","quarantined",
 *      "reasons":[{"reason","unit":"item"|"line"|"body","count","ranges":[[first,last],…]}],
 *      "content_encoding":null|"gzip"|…,"body_bytes","body_sha256","body_encoding":"utf8"|"base64",
 *      "body":"…"}
 *
 * - `body` is the body exactly as received, once: its text when it is valid UTF-8 (a BOM
 *   included), else base64; compressed bodies stay compressed (`content_encoding` says how).
 *   EventBridge events and pull pages, which never were bytes to us, are stored as JSON text.
 * - `reasons` index the rejected items of the body (positions in what the source's `unwrap`
 *   returns; NDJSON lines 1-based), as run-length ranges, bounded: the first 100 distinct
 *   reasons, the rest counted under "other reasons", at most 10,000 ranges in all.
 * - `id` is a hash of source id, content-encoding and body, so a redelivered body rewrites the
 *   same object (on the same received day) instead of adding a copy. Nothing in the object is
 *   a re-serialized vendor value, so no nesting depth can break writing it.
 *
 * Format 1 (earlier versions: `{"id","tenant","source_id","received_time","entries":[{"reason","payload"}]}`,
 * one copy per rejected item) is still read by `authtrail quarantine` and its replay.
 */
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { QuarantineOrigin, QuarantineRecord, QuarantineSink, RejectGroup } from '../core/ingest.ts';

export const QUARANTINE_PREFIX = 'quarantine/';

export interface StoredQuarantineV2 {
  readonly format: 2;
  readonly id: string;
  readonly tenant: string;
  readonly source_id: string;
  readonly received_time: string;
  readonly origin: QuarantineOrigin;
  readonly items: number;
  readonly quarantined: number;
  readonly reasons: readonly RejectGroup[];
  readonly content_encoding: string | null;
  readonly body_bytes: number;
  readonly body_sha256: string;
  readonly body_encoding: 'utf8' | 'base64';
  readonly body: string;
}

/** Written by earlier versions: one copy of each rejected item. */
export interface StoredQuarantineV1 {
  readonly format?: undefined;
  readonly id: string;
  readonly tenant: string;
  readonly source_id: string;
  readonly received_time: string;
  readonly entries: readonly { readonly reason: string; readonly payload: unknown }[];
}

export type StoredQuarantine = StoredQuarantineV1 | StoredQuarantineV2;

export function quarantineKey(r: Pick<QuarantineRecord, 'tenant' | 'received_time' | 'id'>): string {
  return `${QUARANTINE_PREFIX}tenant=${r.tenant}/dt=${r.received_time.slice(0, 10)}/${r.id}.json`;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The stored object's JSON text. */
export function serializeQuarantine(r: QuarantineRecord): string {
  const utf8 = isUtf8(r.body);
  const stored: StoredQuarantineV2 = {
    format: 2, id: r.id, tenant: r.tenant, source_id: r.source_id, received_time: r.received_time, origin: r.origin,
    items: r.items, quarantined: r.quarantined, reasons: r.reasons,
    content_encoding: r.content_encoding, body_bytes: r.body.length,
    body_sha256: createHash('sha256').update(r.body).digest('hex'),
    // `ignoreBOM` keeps a leading BOM in the text, so the bytes come back exactly.
    body_encoding: utf8 ? 'utf8' : 'base64',
    body: utf8 ? strictUtf8.decode(r.body) : r.body.toString('base64'),
  };
  return JSON.stringify(stored);
}

export function parseQuarantine(text: string): StoredQuarantine {
  const v = JSON.parse(text) as StoredQuarantine;
  if (v.format !== 2 && !Array.isArray((v as StoredQuarantineV1).entries)) throw new Error('not a quarantine object');
  return v;
}

/** The body of a format 2 object, byte for byte as it was received. */
export function quarantinedBody(q: StoredQuarantineV2): Buffer {
  return Buffer.from(q.body, q.body_encoding === 'base64' ? 'base64' : 'utf8');
}

export function s3Quarantine(o: { client: S3Client; bucket: string; kmsKeyId?: string | undefined }): QuarantineSink {
  return {
    async put(record) {
      await o.client.send(new PutObjectCommand({
        Bucket: o.bucket,
        Key: quarantineKey(record),
        Body: serializeQuarantine(record),
        ContentType: 'application/json',
        ...(o.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: o.kmsKeyId } : {}),
      }));
    },
  };
}
