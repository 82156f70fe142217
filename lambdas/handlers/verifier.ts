/**
 * The archive verifier, on a schedule: `authtrail verify` in AWS (adapters/archive-verify.ts, the
 * same code the command runs). Every tenant in the archive (and every configured one, so a tenant
 * whose whole archive was deleted still shows) is checked: the whole digest chain from the head
 * in the state table, and the objects whose `dt` is within the last `days` days — or every
 * object with `{ "full": true }`.
 *
 * Why two schedules (infra/constructs/verifier.ts): the chain is small JSON and catches a
 * deleted, altered or re-ordered digest anywhere, so it is walked every day; hashing objects
 * costs one GET and the object's bytes each, and after `infrequentAccessAfterDays` /
 * `glacierAfterDays` S3 also charges per GB retrieved. Reading only the recent days daily keeps
 * the daily run to pennies; the weekly full run re-reads everything, so a change to an old object
 * shows within a week.
 *
 * Metrics (namespace `authtrail`): `ArchiveVerifyFindings` (the run's total, and per `tenant`)
 * and `ArchiveObjectsVerified`; every finding is one structured log line. A finding that an
 * archiver batch in flight can explain (its objects are written moments before its digest is
 * committed and published) is only reported if a second look, a little later, still sees it.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from '../core/zod-mini.ts';
import type { Finding } from '../core/digest.ts';
import { dynamoArchiveState } from '../adapters/archive-state.ts';
import { archiveVerifier, type ArchiveVerifier, type TenantVerification } from '../adapters/archive-verify.ts';
import { documentClient } from '../adapters/dynamo-client.ts';
import { s3Client } from '../adapters/s3-client.ts';
import { env, logger, metrics } from './observability.ts';
import { tenantsFromEnv } from './tenants-env.ts';

/** The schedule's input: `{}` (the default window), `{ "days": N }` or `{ "full": true }`. */
export const VerifyRequest = z.union([
  z.strictObject({ days: z.optional(z.int().check(z.minimum(1), z.maximum(36_500))) }),
  z.strictObject({ full: z.literal(true) }),
]);
export type VerifyRequest = z.infer<typeof VerifyRequest>;

export const DEFAULT_DAYS = 7;

/** The first `dt` a windowed run hashes: the day `days` days before `now` (UTC). */
export function windowStart(days: number, now: number): string {
  return new Date(now - days * 86_400_000).toISOString().slice(0, 10);
}

export interface VerifySummary {
  /** The first `dt` whose objects were hashed; null when every object was. */
  readonly from: string | null;
  readonly tenants: readonly { tenant: string; digests: number; checked: number; findings: number }[];
  readonly objectsVerified: number;
  readonly findings: readonly (Finding & { tenant: string })[];
}

const sameFinding = (a: Finding, b: Finding) => a.kind === b.kind && a.key === b.key;

export interface VerifyDeps {
  readonly verifier: () => ArchiveVerifier;
  /** Tenants of the deployed config (verified even when the archive holds nothing of theirs). */
  readonly configTenants: readonly string[];
  readonly now: () => number;
  /** How long to wait before the second look at a tenant with findings. */
  readonly confirmAfterMs: number;
  /**
   * `retention.archiveDays`: the lifecycle rule expires objects that old (their digests stay), so
   * no run looks for objects whose `dt` is older (events are archived after they happen, so an
   * object younger than that has not expired).
   */
  readonly archiveDays?: number | undefined;
}

/** One scheduled run: verify every tenant, confirm findings once, return the summary. */
export async function verifyAll(input: unknown, deps: VerifyDeps): Promise<VerifySummary> {
  const req = VerifyRequest.parse(input ?? {});
  const asked = 'full' in req ? undefined : req.days ?? DEFAULT_DAYS;
  const days = asked === undefined ? deps.archiveDays : Math.min(asked, deps.archiveDays ?? asked);
  const from = days === undefined ? undefined : windowStart(days, deps.now());
  const first = deps.verifier();
  const tenants = [...new Set([...deps.configTenants, ...await first.tenants()])].sort();
  const results: TenantVerification[] = [];
  for (const tenant of tenants) results.push(await first.verifyTenant(tenant, { from }));
  const suspect = results.filter((r) => r.findings.length);
  if (suspect.length) {
    await new Promise((resolve) => setTimeout(resolve, deps.confirmAfterMs));
    const again = deps.verifier(); // a fresh listing
    for (const r of suspect) {
      const second = await again.verifyTenant(r.tenant, { from });
      r.findings.splice(0, r.findings.length, ...r.findings.filter((f) => second.findings.some((g) => sameFinding(f, g))));
    }
  }
  return {
    from: from ?? null,
    tenants: results.map((r) => ({ tenant: r.tenant, digests: r.digests, checked: r.checked, findings: r.findings.length })),
    objectsVerified: results.reduce((n, r) => n + r.checked, 0),
    findings: results.flatMap((r) => r.findings.map((f) => ({ ...f, tenant: r.tenant }))),
  };
}

/** Metrics and log lines of a run (the alarm watches the total `ArchiveVerifyFindings`). */
export function report(s: VerifySummary): void {
  metrics.addMetric('ArchiveVerifyFindings', MetricUnit.Count, s.findings.length);
  metrics.addMetric('ArchiveObjectsVerified', MetricUnit.Count, s.objectsVerified);
  for (const t of s.tenants) {
    const m = metrics.singleMetric();
    m.addDimension('tenant', t.tenant);
    m.addMetric('ArchiveVerifyFindings', MetricUnit.Count, t.findings);
    m.addMetric('ArchiveObjectsVerified', MetricUnit.Count, t.checked);
  }
  for (const f of s.findings) logger.error('archive verify finding', { tenant: f.tenant, key: f.key, kind: f.kind, detail: f.detail });
  logger.info('archive verified', { from: s.from ?? 'all', tenants: s.tenants, objectsVerified: s.objectsVerified, findings: s.findings.length });
}

export async function verifyScheduled(event: unknown): Promise<VerifySummary> {
  const bucket = env('AUTHTRAIL_BUCKET');
  const state = dynamoArchiveState({ client: documentClient(), table: env('AUTHTRAIL_STATE_TABLE') });
  const summary = await verifyAll(event, {
    // Digests are small: more reads in flight keep a long chain within the time limit.
    verifier: () => archiveVerifier({ s3: s3Client(), bucket, state, concurrency: 32 }),
    configTenants: tenantsFromEnv(),
    now: Date.now,
    confirmAfterMs: Number(process.env.AUTHTRAIL_VERIFY_CONFIRM_MS ?? 60_000),
    archiveDays: process.env.AUTHTRAIL_ARCHIVE_DAYS ? Number(process.env.AUTHTRAIL_ARCHIVE_DAYS) : undefined,
  });
  report(summary);
  return summary;
}

export const handler = middy(verifyScheduled).use(injectLambdaContext(logger)).use(logMetrics(metrics));
