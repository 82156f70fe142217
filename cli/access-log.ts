/**
 * authtrail's own access log (README, "Privacy"): every read of personal data through its
 * operator surfaces — `reveal` today — is recorded with who, when, what and why, before the answer
 * is shown (no record, no answer). Locally one JSON line in `$AUTHTRAIL_HOME/access.ndjson`; in
 * AWS one object under `access/tenant=<t>/dt=<day>/` in the archive bucket, beside the data it
 * protects (CloudTrail data events on the bucket record the same reads from the AWS side).
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { homeDir } from '../local/dev.ts';
import type { Target } from './target.ts';

export interface AccessRecord {
  readonly access_id: string;
  readonly time: string;
  readonly tenant: string;
  /** The operator: the local user, or the AWS access key id the command signed with. */
  readonly who: string;
  /** `reveal`, … */
  readonly action: string;
  /** What was read: the pseudonym revealed, the query run. */
  readonly what: string;
  readonly reason: string | null;
  readonly mode: 'local' | 'aws';
}

export const accessLogFile = (home = homeDir()) => join(home, 'access.ndjson');

async function whoIs(t: Target): Promise<string> {
  if (t.mode === 'local') {
    try { return `local:${userInfo().username}`; } catch { return 'local'; }
  }
  const creds = await t.s3.config.credentials();
  return `aws:${creds.accessKeyId}`;
}

/** Records one access; throws when it cannot (the caller must not answer then). */
export async function recordAccess(t: Target, a: Pick<AccessRecord, 'tenant' | 'action' | 'what' | 'reason'>, now = new Date()): Promise<AccessRecord> {
  const r: AccessRecord = { access_id: randomUUID(), time: now.toISOString(), ...a, who: await whoIs(t), mode: t.mode };
  if (t.mode === 'local') {
    const file = accessLogFile();
    mkdirSync(join(file, '..'), { recursive: true });
    appendFileSync(file, `${JSON.stringify(r)}\n`, { mode: 0o600 });
  } else {
    await t.s3.send(new PutObjectCommand({
      Bucket: t.bucket,
      Key: `access/tenant=${a.tenant}/dt=${r.time.slice(0, 10)}/${r.time.replace(/[:.]/g, '')}-${r.access_id}.json`,
      Body: `${JSON.stringify(r)}\n`,
      ContentType: 'application/json',
      ...(t.kmsKeyId ? { ServerSideEncryption: 'aws:kms' as const, SSEKMSKeyId: t.kmsKeyId } : {}),
    }));
  }
  return r;
}
