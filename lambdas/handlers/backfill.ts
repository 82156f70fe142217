/**
 * Backfill, invoked by `authtrail backfill` (one tenant-day per invocation, so each run stays far
 * inside Lambda's 15 minutes): re-archives the day's events the stream can no longer deliver and
 * re-runs the detector over the day (see adapters/backfill.ts). Locally the runtime calls
 * `runBackfill` for `POST /_local/backfill`. A failure throws; running it again is always safe.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { alertOutputsFromEnv } from '../adapters/alert-outputs.ts';
import { dynamoArchiveState } from '../adapters/archive-state.ts';
import { backfillDay, type BackfillDeps, type BackfillResult } from '../adapters/backfill.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { s3Client } from '../adapters/s3-client.ts';
import { env, logger, metrics } from './observability.ts';
import { config, legacyHotTable } from './runtime-config.ts';

export class BackfillError extends Error {
  override name = 'BackfillError';
}

export interface BackfillEvent {
  readonly tenant?: unknown;
  readonly dt?: unknown;
  readonly dryRun?: unknown;
  readonly detect?: unknown;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

let deps: BackfillDeps | undefined;
function live(): BackfillDeps {
  if (deps) return deps;
  const s3 = s3Client();
  const bucket = env('AUTHTRAIL_BUCKET');
  const kmsKeyId = process.env.AUTHTRAIL_KMS_KEY_ID;
  deps = {
    ddb: documentClient(), table: env('AUTHTRAIL_TABLE'), legacyTable: legacyHotTable(), s3, bucket, kmsKeyId,
    state: dynamoArchiveState({ client: documentClient(), table: env('AUTHTRAIL_STATE_TABLE') }),
    alerts: { ...alertOutputsFromEnv(env), settings: config.alerts },
  };
  return deps;
}

/** Validates the request against the deployed config and backfills the day. */
export async function runBackfill(event: BackfillEvent, overrides: Partial<BackfillDeps> = {}): Promise<BackfillResult> {
  const { tenant, dt } = event ?? {};
  if (typeof tenant !== 'string' || !config.tenants.some((t) => t.id === tenant)) {
    throw new BackfillError(`unknown tenant ${JSON.stringify(tenant)} (tenants: ${config.tenants.map((t) => t.id).join(', ')})`);
  }
  if (typeof dt !== 'string' || !DATE.test(dt) || new Date(`${dt}T00:00:00Z`).toISOString().slice(0, 10) !== dt) {
    throw new BackfillError(`dt must be a date YYYY-MM-DD, not ${JSON.stringify(dt)}`);
  }
  return backfillDay({ ...live(), ...overrides }, { tenant, dt, dryRun: event.dryRun === true, detect: event.detect !== false });
}

export const handler = middy(async (event: BackfillEvent) => {
  const r = await runBackfill(event);
  logger.info('backfill', { ...r });
  if (!r.dry_run) {
    metrics.addMetric('EventsBackfilled', MetricUnit.Count, r.archived_now);
    metrics.addMetric('AlertsBackfilled', MetricUnit.Count, r.alerts_raised);
  }
  return r;
}).use(injectLambdaContext(logger)).use(logMetrics(metrics));
