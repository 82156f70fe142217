/**
 * The archive compactor, on a daily schedule (infra/constructs/compactor.ts) and on demand
 * (`authtrail compact --outputs`): every tenant's closed days merged into one object per
 * tenant-day up to the size cap (adapters/archive-compact.ts; the protocol in core/compact.ts).
 * Input: `{}` (every tenant, every closed day); `"tenant"` limits it to one tenant, `"day"` to one
 * day (closed or not, if it is before today).
 *
 * Metrics (namespace `authtrail`): `ArchiveObjectsCompacted` (objects replaced),
 * `ArchiveCompactionOutputs` (objects written) and `ArchiveCompactionErrors`. One tenant's failure
 * does not stop the others; the run then fails (the function's errors alarm), naming each.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { dynamoArchiveState } from '../adapters/archive-state.ts';
import { archiveCompactor, compactAll, type CompactSummary } from '../adapters/archive-compact.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { s3Client } from '../adapters/s3-client.ts';
import { env, logger, metrics } from './observability.ts';
import { tenantsFromEnv } from './tenants-env.ts';

export class CompactRunError extends Error {
  override name = 'CompactRunError';
}

export function report(s: CompactSummary): void {
  const replaced = s.tenants.reduce((n, t) => n + t.days.reduce((m, d) => m + d.inputs, 0), 0);
  const written = s.tenants.reduce((n, t) => n + t.days.reduce((m, d) => m + d.outputs, 0), 0);
  metrics.addMetric('ArchiveObjectsCompacted', MetricUnit.Count, replaced);
  metrics.addMetric('ArchiveCompactionOutputs', MetricUnit.Count, written);
  metrics.addMetric('ArchiveCompactionErrors', MetricUnit.Count, s.errors.length);
  for (const e of s.errors) logger.error('archive compaction failed', e);
  logger.info('archive compacted', { tenants: s.tenants.map((t) => ({ tenant: t.tenant, days: t.days.length, objectsBefore: t.objectsBefore, objectsAfter: t.objectsAfter, finished: t.finished, garbage: t.garbage })), errors: s.errors.length });
}

const lockFromEnv = (): 'governance' | 'compliance' | undefined => {
  const v = process.env.AUTHTRAIL_OBJECT_LOCK;
  return v === 'governance' || v === 'compliance' ? v : undefined;
};

export async function compactScheduled(event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<CompactSummary> {
  const compactor = archiveCompactor({
    s3: s3Client(),
    bucket: env('AUTHTRAIL_BUCKET'),
    state: dynamoArchiveState({ client: documentClient(), table: env('AUTHTRAIL_STATE_TABLE') }),
    kmsKeyId: process.env.AUTHTRAIL_KMS_KEY_ID,
    objectLock: lockFromEnv(),
    sizeCap: process.env.AUTHTRAIL_COMPACT_SIZE_CAP ? Number(process.env.AUTHTRAIL_COMPACT_SIZE_CAP) : undefined,
    archiveDays: process.env.AUTHTRAIL_ARCHIVE_DAYS ? Number(process.env.AUTHTRAIL_ARCHIVE_DAYS) : undefined,
  });
  // A day in flight finishes (or is finished by the next run); no new day starts in the last 3 minutes.
  const deadline = context?.getRemainingTimeInMillis ? Date.now() + context.getRemainingTimeInMillis() - 180_000 : undefined;
  const summary = await compactAll(event, { compactor, configTenants: tenantsFromEnv(), deadline });
  report(summary);
  if (summary.errors.length) throw new CompactRunError(summary.errors.map((e) => `${e.tenant}: ${e.message}`).join('; '));
  return summary;
}

export const handler = middy(compactScheduled).use(injectLambdaContext(logger)).use(logMetrics(metrics));
