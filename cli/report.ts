/**
 * `authtrail report --tenant <t> [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--out <dir>] [--outputs <file>]`
 * (CONTRACT §7): the evidence pack for one tenant and period — report.json and a self-contained
 * report.html. The numbers come from the shipped named queries (cli/report/data.ts), run by DuckDB
 * over the local archive or, with `--outputs`, by Athena in the tenant's own workgroup; the
 * integrity section is `verify` of the tenant's chain over the period; retention is read from the
 * deployed bucket where it can be, else from the config.
 */
import { recordAccess } from './access-log.ts';
import { tenantArchiveDays, tenantHotDays } from '../lambdas/core/config-lookup.ts';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AthenaClient } from '@aws-sdk/client-athena';
import { GetBucketLifecycleConfigurationCommand, GetObjectLockConfigurationCommand, type S3Client } from '@aws-sdk/client-s3';
import { loadConfig } from '../infra/config.ts';
import { loadNamedQueries } from '../infra/queries.ts';
import { ruleSettings } from '../lambdas/core/detect/settings.ts';
import { archiveVerifier } from '../lambdas/adapters/archive-verify.ts';
import { dynamoArchiveState } from '../lambdas/adapters/archive-state.ts';
import { dateFlag, OUTPUTS_OPTION, parseCommand } from './args.ts';
import { runAthena } from './athena.ts';
import { CliError, UsageError } from './errors.ts';
import { openLocalArchive } from './local-archive.ts';
import { workGroupFor } from './query.ts';
import { openTarget, type Target } from './target.ts';
import { OUTPUT_KEYS } from './outputs.ts';
import { buildReport, retentionFromConfig, type Integrity, type RetentionInForce, type SqlRunner } from './report/data.ts';
import { coverageByAppSpec, factorMixSpec, failuresSpec, renderChart } from './report/charts.ts';
import { renderHtml } from './report/html.ts';

const OPTIONS = { tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, ...OUTPUTS_OPTION } as const;
/** The default period: the last 90 days up to today (UTC). */
export const DEFAULT_DAYS = 90;

export function parseReportArgs(args: string[], today = new Date().toISOString().slice(0, 10)) {
  const { values: v } = parseCommand('report', args, OPTIONS);
  if (!v.tenant) throw new UsageError('report needs --tenant <tenant>');
  const to = dateFlag('report', '--to', v.to) ?? today;
  const from = dateFlag('report', '--from', v.from) ?? new Date(Date.parse(`${to}T00:00:00Z`) - (DEFAULT_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  if (from > to) throw new UsageError(`report: --from ${from} is after --to ${to}`);
  if (v.out === '') throw new UsageError('report: --out needs a directory');
  return { tenant: v.tenant, from, to, out: resolve(v.out ?? 'report'), outputs: v.outputs };
}

/** `verify` of the tenant over the period, as the report states it. */
export async function integrityOf(t: Target, tenant: string, from: string, to: string): Promise<Integrity> {
  const v = await archiveVerifier({ s3: t.s3, bucket: t.bucket, state: dynamoArchiveState({ client: t.ddb, table: t.stateTable }) }).verifyTenant(tenant, { from, to });
  return { status: v.findings.length ? 'failed' : 'ok', objects_checked: v.checked, digests: v.digests, findings: v.findings.map((f) => ({ kind: f.kind, key: f.key, detail: f.detail })) };
}

/** The archive bucket's lifecycle and Object Lock, as deployed (null when they cannot be read). */
export async function retentionOfBucket(s3: S3Client, bucket: string, hotDays: number | null, tenant?: string): Promise<RetentionInForce | null> {
  try {
    const lc = await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket }));
    const prefixed = (prefix: string) => (lc.Rules ?? []).find((r) => r.Status === 'Enabled' && (r.Filter?.Prefix ?? r.Prefix ?? '') === prefix);
    // A tenant with its own archive days has rules on its own prefixes (README, Privacy).
    const rule = (tenant ? prefixed(`events/tenant=${tenant}/`) : undefined) ?? prefixed('events/')
      ?? (lc.Rules ?? []).find((r) => r.Status === 'Enabled' && r.Expiration?.Days);
    const transition = (cls: string) => rule?.Transitions?.find((x) => x.StorageClass === cls)?.Days ?? null;
    let lock: RetentionInForce['object_lock'] = null;
    try {
      const ol = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }));
      const d = ol.ObjectLockConfiguration?.Rule?.DefaultRetention;
      if (ol.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled') lock = { mode: (d?.Mode ?? 'enabled').toLowerCase(), days: d?.Days ?? (d?.Years ? d.Years * 365 : null) };
    } catch (err) {
      if ((err as { name?: string }).name !== 'ObjectLockConfigurationNotFoundError') throw err;
    }
    return { source: 'bucket', hot_days: hotDays, archive_days: rule?.Expiration?.Days ?? null, infrequent_access_after_days: transition('STANDARD_IA'), glacier_after_days: transition('GLACIER_IR') ?? transition('GLACIER'), object_lock: lock };
  } catch {
    return null;
  }
}

export async function report(args: string[]): Promise<number> {
  const a = parseReportArgs(args);
  const loaded = loadConfig();
  const configured = loaded.config.tenants.map((x) => x.id);
  const t = openTarget(a.outputs);
  let close = () => t.close();
  try {
    let run: SqlRunner;
    let known: string[];
    if (a.outputs) {
      // A deployed stack: the tenant's own workgroup, whose named queries are these, with its results kept apart.
      const athena = new AthenaClient({});
      const prev = close;
      close = () => { athena.destroy(); prev(); };
      const workGroup = workGroupFor(t.outputs!, a.tenant);
      run = (sql) => runAthena(sql, { client: athena, workGroup, database: t.outputs!.get(OUTPUT_KEYS.glueDatabase) ?? process.env.AUTHTRAIL_GLUE_DATABASE });
      known = loaded.path ? configured : [a.tenant];
    } else {
      const archive = await openLocalArchive();
      const prev = close;
      close = () => { archive.close(); prev(); };
      run = (sql) => archive.run(sql);
      known = [...new Set([...configured, ...archive.tenants])];
    }
    if (!known.includes(a.tenant)) throw new CliError(`unknown tenant "${a.tenant}" (tenants: ${known.sort().join(', ')})`);
    await recordAccess(t, { tenant: a.tenant, action: 'report', what: `evidence report ${a.from} … ${a.to}`, reason: null });
    const integrity = await integrityOf(t, a.tenant, a.from, a.to);
    const fromConfig = retentionFromConfig({ ...loaded.config.retention, hotDays: tenantHotDays(loaded.config, a.tenant), archiveDays: tenantArchiveDays(loaded.config, a.tenant) });
    const retention = (a.outputs ? await retentionOfBucket(t.s3, t.bucket, loaded.path ? fromConfig.hot_days : null, a.tenant) : null) ?? fromConfig;
    const mfaRequiredApps = ruleSettings(loaded.config.alerts, a.tenant, 'mfa_required_app').apps;
    const r = await buildReport({ tenant: a.tenant, from: a.from, to: a.to, queries: loadNamedQueries(), run, integrity, retention, mfaRequiredApps });
    const charts = {
      failures: await renderChart(failuresSpec(r.failures_over_time), 'Failed sign-ins, MFA failures and MFA denials per day'),
      factors: await renderChart(factorMixSpec(r.factor_mix), 'Successful sign-ins by factor'),
      apps: await renderChart(coverageByAppSpec(r.apps), 'MFA coverage per application'),
    };
    mkdirSync(a.out, { recursive: true });
    writeFileSync(join(a.out, 'report.json'), `${JSON.stringify(r, null, 2)}\n`);
    writeFileSync(join(a.out, 'report.html'), renderHtml(r, charts));
    console.log(`report: ${join(a.out, 'report.html')} and report.json — ${a.tenant}, ${a.from} to ${a.to}: ${r.sign_ins} sign-in(s), MFA coverage ${r.mfa_coverage_percent ?? '—'} %, integrity ${r.integrity.status}`);
    return r.integrity.status === 'ok' ? 0 : 1;
  } finally {
    close();
  }
}
