/**
 * The operator commands' side of the access log (lambdas/adapters/access-log.ts): who ran the
 * command — the local user, or the AWS access key id it signed with — and where the record goes
 * (the running collector's archive, or the deployed one).
 */
import { userInfo } from 'node:os';
import { recordAccessTo, type AccessRecord } from '../lambdas/adapters/access-log.ts';
import type { Target } from './target.ts';

async function whoIs(t: Target): Promise<string> {
  if (t.mode === 'local') {
    try { return `local:${userInfo().username}`; } catch { return 'local'; }
  }
  try {
    return `aws:${(await t.s3.config.credentials()).accessKeyId}`;
  } catch {
    return 'aws:unknown'; // the record's write then fails too, unless the caller's S3 is reachable otherwise
  }
}

/** Records one access of an operator command; throws when it cannot (the command must not answer then). */
export async function recordAccess(t: Target, a: Pick<AccessRecord, 'tenant' | 'action' | 'what' | 'reason'>): Promise<AccessRecord> {
  return recordAccessTo({ s3: t.s3, bucket: t.bucket, kmsKeyId: t.kmsKeyId }, { ...a, who: await whoIs(t), mode: t.mode });
}
