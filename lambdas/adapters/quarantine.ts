/**
 * The quarantine: what could not be normalized, kept with its reason under
 * `quarantine/tenant=<tenant>/dt=<received day>/` in the archive bucket, one object per
 * delivery (never one per event), so nothing is dropped and `authtrail quarantine replay`
 * can run it again after a fix.
 */
import { randomBytes } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { QuarantineRecord, QuarantineSink } from '../core/ingest.ts';

export const QUARANTINE_PREFIX = 'quarantine/';

export interface StoredQuarantine extends QuarantineRecord {
  readonly id: string;
}

export function quarantineKey(r: QuarantineRecord, id: string): string {
  return `${QUARANTINE_PREFIX}tenant=${r.tenant}/dt=${r.received_time.slice(0, 10)}/${id}.json`;
}

export function newQuarantineId(receivedTime: string): string {
  // Sortable by time, unique without coordination.
  return `${receivedTime.replace(/[-:.]/g, '').replace('T', 't').replace('Z', 'z')}-${randomBytes(6).toString('hex')}`;
}

export function s3Quarantine(o: { client: S3Client; bucket: string; kmsKeyId?: string | undefined }): QuarantineSink {
  return {
    async put(record) {
      const id = newQuarantineId(record.received_time);
      const body: StoredQuarantine = { id, ...record };
      await o.client.send(new PutObjectCommand({
        Bucket: o.bucket,
        Key: quarantineKey(record, id),
        Body: JSON.stringify(body),
        ContentType: 'application/json',
        ...(o.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: o.kmsKeyId } : {}),
      }));
    },
  };
}
