/**
 * The scheduled OCSF export to Amazon Security Lake (infra/constructs/security-lake.ts): every
 * day, for every tenant, the last `lookbackDays` days of the archive, each written as OCSF 1.3.0
 * Parquet — one object per class per tenant-day — in the custom-source layout of the Security
 * Lake bucket (`ext/<source>/region=<r>/accountId=<a>/eventDay=<yyyymmdd>/`). A day already
 * exported from the same archive objects is skipped; a day that received late events since is
 * written again, whole, over the last export (adapters/ocsf-lake.ts).
 *
 * Input: `{}` (the scheduled run), or `{ "from": "YYYY-MM-DD", "to": "YYYY-MM-DD", "tenant"?: "t",
 * "force"?: true }` to export an older period by hand (a late event older than the look-back).
 *
 * Metrics (namespace `authtrail`): `OcsfDaysExported`, `OcsfEventsExported`, `OcsfObjectsWritten`.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import * as z from '../core/zod-mini.ts';
import { OCSF_CLASSES, type OcsfClass } from '../core/ocsf.ts';
import { daysBetween, windowDays, type LakeTarget } from '../core/ocsf-lake.ts';
import { archiveTenants, exportTenantDay, type DayResult, type LakeExportDeps } from '../adapters/ocsf-lake.ts';
import { s3Client } from '../adapters/s3-client.ts';
import { env, logger, metrics } from './observability.ts';
import { tenantsFromEnv } from './tenants-env.ts';

const Day = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is YYYY-MM-DD'));

export const ExportRequest = z.union([
  z.strictObject({}),
  z.strictObject({ from: Day, to: Day, tenant: z.optional(z.string().check(z.minLength(1))), force: z.optional(z.boolean()) }).check(
    z.refine((r) => r.from <= r.to, 'from is after to'),
    z.refine((r) => daysBetween(r.from, r.to).length <= 366, 'at most 366 days per run'),
  ),
]);
export type ExportRequest = z.infer<typeof ExportRequest>;

export interface ExportDeps extends LakeExportDeps {
  /** Tenants of the deployed config (exported even if the archive listing is not asked). */
  readonly configTenants: readonly string[];
  readonly lookbackDays: number;
  readonly now: () => number;
}

export interface ExportSummary {
  readonly days: readonly string[];
  readonly results: readonly DayResult[];
}

/** One run: the window (or the asked period) for every tenant, a day at a time. */
export async function exportAll(input: unknown, d: ExportDeps): Promise<ExportSummary> {
  const req = ExportRequest.parse(input ?? {});
  const asked = 'from' in req ? req : undefined;
  const days = asked ? daysBetween(asked.from, asked.to) : windowDays(d.now(), d.lookbackDays);
  const tenants = asked?.tenant ? [asked.tenant] : [...new Set([...d.configTenants, ...await archiveTenants(d.archiveS3, d.archiveBucket)])].sort();
  const results: DayResult[] = [];
  for (const tenant of tenants) for (const day of days) results.push(await exportTenantDay(d, tenant, day, asked?.force ?? false));
  return { days, results };
}

export function report(s: ExportSummary): void {
  const written = s.results.filter((r) => r.status === 'written');
  metrics.addMetric('OcsfDaysExported', MetricUnit.Count, written.length);
  metrics.addMetric('OcsfEventsExported', MetricUnit.Count, written.reduce((n, r) => n + r.objects.reduce((m, o) => m + o.events, 0), 0));
  metrics.addMetric('OcsfObjectsWritten', MetricUnit.Count, written.reduce((n, r) => n + r.objects.length, 0));
  for (const r of written) logger.info('ocsf day exported', { tenant: r.tenant, day: r.day, archiveObjects: r.archiveObjects, events: r.events, unclassified: r.unclassified, objects: r.objects.map((o) => ({ key: o.key, events: o.events })) });
  logger.info('ocsf export run', { days: s.days, written: written.length, skipped: s.results.filter((r) => r.status === 'skipped').length, empty: s.results.filter((r) => r.status === 'empty').length });
}

/** The Security Lake target from the environment the construct sets (`AUTHTRAIL_OCSF_TARGET`). */
export const TargetEnv = z.strictObject({
  bucket: z.string().check(z.minLength(3)),
  prefix: z.string(),
  region: z.string().check(z.minLength(1)),
  accountId: z.string().check(z.regex(/^\d{12}$/)),
  sources: z.partialRecord(z.enum(Object.keys(OCSF_CLASSES) as [OcsfClass, ...OcsfClass[]]), z.string().check(z.minLength(1))),
  lookbackDays: z.int().check(z.minimum(1), z.maximum(90)),
});

let lake: S3Client | undefined;

export async function exportScheduled(event: unknown): Promise<ExportSummary> {
  const t = TargetEnv.parse(JSON.parse(env('AUTHTRAIL_OCSF_TARGET')));
  const target: LakeTarget = { bucket: t.bucket, prefix: t.prefix, region: t.region, accountId: t.accountId, sources: t.sources };
  // The Security Lake bucket lives in its own region; the local runtime's endpoint (tests) wins.
  lake ??= process.env['AUTHTRAIL_S3_ENDPOINT'] ? s3Client() : new S3Client({ region: t.region });
  const summary = await exportAll(event, {
    archiveS3: s3Client(), archiveBucket: env('AUTHTRAIL_BUCKET'), lakeS3: lake, target,
    configTenants: tenantsFromEnv(),
    lookbackDays: t.lookbackDays, now: Date.now,
  });
  report(summary);
  return summary;
}

export const handler = middy(exportScheduled).use(injectLambdaContext(logger)).use(logMetrics(metrics));
