/**
 * authtrail's own access log (README, "Privacy"): every read of personal data through its
 * surfaces — `reveal`, `erase`, `query`, `report`, the investigation API and the console — is
 * recorded with who, when, what and why before the answer is given (no record, no answer). One
 * JSON object per access under `access/tenant=<t>/dt=<day>/` in the archive bucket (the local S3
 * server locally), which the `access_log` table (Athena; DuckDB locally) and the `access_log`
 * auditor query read. A tenant's auditors read their tenant's prefix only.
 */
import { randomUUID } from 'node:crypto';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export const ACCESS_PREFIX = 'access/';

/** The tenant of an access that spans tenants (an operator's SQL over the archive). */
export const ALL_TENANTS = '_all';

export interface AccessRecord {
  readonly access_id: string;
  readonly time: string;
  readonly tenant: string;
  /** Who: the local user, the AWS access key id a command signed with, or the API caller's principal. */
  readonly who: string;
  /** `reveal`, `erase`, `query`, `report`, `api`, … */
  readonly action: string;
  /** What was read: the pseudonym revealed, the query run, the API path. */
  readonly what: string;
  readonly reason: string | null;
  /** `local` or `aws`. */
  readonly mode: string;
}

export const accessKey = (r: Pick<AccessRecord, 'tenant' | 'time' | 'access_id'>) =>
  `${ACCESS_PREFIX}tenant=${r.tenant}/dt=${r.time.slice(0, 10)}/${r.time.replace(/[:.-]/g, '')}-${r.access_id}.json`;

/** Records one access; throws when it cannot (the caller must not answer then). */
export async function recordAccessTo(
  o: { s3: S3Client; bucket: string; kmsKeyId?: string | undefined },
  a: Omit<AccessRecord, 'access_id' | 'time'>,
  now = new Date(),
): Promise<AccessRecord> {
  const r: AccessRecord = { access_id: randomUUID(), time: now.toISOString(), ...a, what: a.what.slice(0, 4000), reason: a.reason?.slice(0, 1000) ?? null };
  await o.s3.send(new PutObjectCommand({
    // A new record only: never a write over an existing one (the roles that record may do no other).
    Bucket: o.bucket, Key: accessKey(r), Body: `${JSON.stringify(r)}\n`, ContentType: 'application/json', IfNoneMatch: '*',
    ...(o.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: o.kmsKeyId } : {}),
  }));
  return r;
}
