/**
 * The eraser, invoked only by `authtrail erase --outputs` (no schedule, no trigger): one data
 * subject's events erased from one tenant, quarantined bodies naming them included
 * (adapters/erase.ts; README "Privacy"). It answers the counts and logs them with the
 * erasure's id — never the subject. A failure throws; erasing again is always safe (an
 * interrupted day's rewrite is finished, what is already gone is not found).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { archiveCompactor } from '../adapters/archive-compact.ts';
import { dynamoArchiveState } from '../adapters/archive-state.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { eraseSubject, type EraseReport } from '../adapters/erase.ts';
import { keyRefsFromEnv, privacyKeys } from '../adapters/privacy-keys.ts';
import { dynamoVault } from '../adapters/pseudonym-vault.ts';
import { s3Client } from '../adapters/s3-client.ts';
import * as z from '../core/zod-mini.ts';
import { env, logger } from './observability.ts';
import { tenantsFromEnv } from './tenants-env.ts';

const Day = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is YYYY-MM-DD'));
export const EraseInput = z.strictObject({
  tenant: z.string().check(z.minLength(1)),
  subject: z.string().check(z.minLength(1), z.maxLength(512)),
  reason: z.string().check(z.minLength(1), z.maxLength(1000)),
  from: z.optional(Day),
  to: z.optional(Day),
  dryRun: z.optional(z.boolean()),
});

export class EraseRunError extends Error {
  override name = 'EraseRunError';
}

const lockFromEnv = (): 'governance' | 'compliance' | undefined => {
  const v = process.env.AUTHTRAIL_OBJECT_LOCK;
  return v === 'governance' || v === 'compliance' ? v : undefined;
};

let keys: ReturnType<typeof privacyKeys> | undefined;

export async function eraseInvoked(event: unknown): Promise<EraseReport> {
  const parsed = EraseInput.safeParse(event);
  if (!parsed.success) throw new EraseRunError(`invalid erase request: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const r = parsed.data;
  const tenants = tenantsFromEnv();
  if (!tenants.includes(r.tenant)) throw new EraseRunError(`unknown tenant "${r.tenant}" (tenants: ${tenants.join(', ')})`);
  const refs = keyRefsFromEnv();
  const key = refs[r.tenant] ? await (keys ??= privacyKeys(refs))(r.tenant) : null;
  const stateTable = env('AUTHTRAIL_STATE_TABLE');
  const report = await eraseSubject({
    s3: s3Client(), bucket: env('AUTHTRAIL_BUCKET'), kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID,
    ddb: documentClient(), table: env('AUTHTRAIL_TABLE'), stateTable, key,
    vault: key ? dynamoVault({ client: documentClient(), table: stateTable }) : undefined,
    compactor: archiveCompactor({
      s3: s3Client(), bucket: env('AUTHTRAIL_BUCKET'), state: dynamoArchiveState({ client: documentClient(), table: stateTable }),
      kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID, objectLock: lockFromEnv(),
    }),
  }, { tenant: r.tenant, subject: r.subject, request: r.reason, from: r.from, to: r.to, dryRun: r.dryRun ?? false });
  // Counts and the erasure's id: never the subject.
  logger.info('erasure', { id: report.id, tenant: report.tenant, dryRun: report.dry_run, archivedRows: report.archive.rows, days: report.archive.days.length, alerts: report.alerts.alerts, hotItems: report.hot_items, vaultEntries: report.vault_entries, quarantinedBodies: report.quarantine.bodies });
  return report;
}

export const handler = middy(eraseInvoked).use(injectLambdaContext(logger));
