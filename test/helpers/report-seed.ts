/**
 * A seeded archive with known answers for the evidence report: tenant acme has 10 successful
 * sign-ins of which 7 used a second factor (70.0 %), plus failures, a denial, a fraud report, a
 * bypass code, a factor reset by an admin, a lockout and an alert; tenant globex has rows that
 * must never appear in acme's report. Written by the real Parquet writer and read by DuckDB.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertKey, archiveKey, groupByPartition } from '../../lambdas/core/archive.ts';
import type { Alert } from '../../lambdas/core/detect/engine.ts';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { alertsToParquet, eventsToParquet } from '../../lambdas/core/parquet.ts';
import { openArchiveDb, runSql } from '../../local/archive-db.ts';
import { loadNamedQueries } from '../../infra/queries.ts';
import { buildReport, retentionFromConfig } from '../../cli/report/data.ts';
import { coverageByAppSpec, factorMixSpec, failuresSpec, renderChart } from '../../cli/report/charts.ts';
import { renderHtml } from '../../cli/report/html.ts';
import { Retention } from '../../lambdas/core/config.ts';
import { ev } from './events.ts';

const t = (day: number, h: number) => `2026-11-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00.000Z`;
const ok = (uid: string, day: number, h: number, user: string, over: Partial<AuthEvent>) =>
  ev({ event_uid: uid, event_time: t(day, h), category: 'login', outcome: 'success', user_email: user, geo_country: 'DE', src_ip: '198.51.100.7', ...over });

/** A hostile name: the report must show it as text. */
export const HOSTILE_USER = '<img src=x onerror=alert(1)>@example.com';

export const REPORT_SEED: AuthEvent[] = [
  // 7 sign-ins with MFA (push ×4, webauthn ×2, totp ×1) …
  ok('s01', 10, 8, 'alice@example.com', { is_mfa: true, factor: 'push', app_name: 'Payroll' }),
  ok('s02', 10, 9, 'alice@example.com', { is_mfa: true, factor: 'push', app_name: 'Payroll' }),
  ok('s03', 11, 8, 'bob@example.com', { is_mfa: true, factor: 'push', app_name: 'Wiki' }),
  ok('s04', 11, 9, 'bob@example.com', { is_mfa: true, factor: 'push', app_name: 'Wiki', geo_country: 'US' }),
  ok('s05', 12, 8, 'carol@example.com', { is_mfa: true, factor: 'webauthn', app_name: 'Payroll' }),
  ok('s06', 12, 9, 'carol@example.com', { is_mfa: true, factor: 'webauthn', app_name: 'Wiki' }),
  ok('s07', 12, 10, HOSTILE_USER, { is_mfa: true, factor: 'totp', app_name: 'Wiki' }),
  // … and 3 without (two to the MFA-required Payroll).
  ok('s08', 13, 8, 'dave@example.com', { is_mfa: false, factor: 'password', app_name: 'Payroll' }),
  ok('s09', 13, 9, 'dave@example.com', { is_mfa: false, factor: 'password', app_name: 'payroll' }),
  ok('s10', 13, 10, 'erin@example.com', { is_mfa: false, factor: 'password', app_name: 'Wiki', geo_country: 'FR' }),
  // Failures: 2 failed logins (day 11), 1 MFA failure and 1 push denial (day 12), a fraud report, a failed bypass code.
  ok('f01', 11, 10, 'bob@example.com', { outcome: 'failure', is_mfa: false, reason: 'INVALID_CREDENTIALS' }),
  ok('f02', 11, 11, 'bob@example.com', { outcome: 'failure', is_mfa: false, reason: 'INVALID_CREDENTIALS' }),
  ok('f03', 12, 11, 'carol@example.com', { category: 'mfa_verify', outcome: 'failure', is_mfa: true, factor: 'totp' }),
  ok('f04', 12, 12, 'carol@example.com', { category: 'mfa_verify', outcome: 'denied', is_mfa: true, factor: 'push', geo_country: 'NG', src_ip: '203.0.113.9' }),
  ok('f05', 12, 13, 'carol@example.com', { category: 'fraud_report', outcome: 'fraud', raw_event_type: 'user.account.report_suspicious_activity_by_enduser' }),
  ok('f06', 13, 11, 'dave@example.com', { category: 'mfa_bypass', outcome: 'failure', is_mfa: true, factor: 'bypass_code' }),
  // A factor reset by an admin, a lockout.
  ok('c01', 13, 12, 'dave@example.com', { category: 'factor_reset', is_mfa: false, actor_login: 'helpdesk@example.com', actor_id: '00uadmin' }),
  ok('l01', 13, 13, 'erin@example.com', { category: 'lockout', outcome: 'failure', reason: 'LOCKED_OUT' }),
  // Another tenant: never in acme's report.
  ev({ tenant: 'globex', source_id: 'globex-okta', event_uid: 'g1', event_time: t(11, 8), category: 'login', outcome: 'success', is_mfa: false, user_email: 'gina@example.org', app_name: 'Payroll' }),
  ev({ tenant: 'globex', source_id: 'globex-okta', event_uid: 'g2', event_time: t(11, 9), category: 'login', outcome: 'failure', user_email: 'gina@example.org' }),
];

export const REPORT_ALERT: Alert = {
  alert_id: 'al1', rule: 'mfa_fatigue', severity: 'high', tenant: 'acme', user: 'carol@example.com', first_event_time: t(12, 12), last_event_time: t(12, 12),
  count: 3, summary: '3 push prompts denied within 10 minutes', event_uids: ['acme-okta#f04'],
};

/** Writes the seed as the archive's layout under a new directory and opens DuckDB over it. */
export async function seededArchive() {
  const dir = mkdtempSync(join(tmpdir(), 'authtrail-report-'));
  for (const p of groupByPartition(REPORT_SEED).values()) {
    mkdirSync(join(dir, 'events', `tenant=${p.tenant}`, `dt=${p.dt}`), { recursive: true });
    writeFileSync(join(dir, archiveKey(p.tenant, p.dt, 'part-seed')), eventsToParquet(p.events));
  }
  const body = alertsToParquet([REPORT_ALERT]);
  const key = alertKey('acme', REPORT_ALERT.first_event_time, body);
  mkdirSync(join(dir, key, '..'), { recursive: true });
  writeFileSync(join(dir, key), body);
  const db = await openArchiveDb(dir);
  return { dir, db, run: (sql: string) => runSql(db.connection, sql) };
}

/** Writes the seeded tenant's report.html into a new directory; returns its path. */
export async function seededReportHtml(): Promise<string> {
  const archive = await seededArchive();
  try {
    const r = await buildReport({
      tenant: 'acme', from: '2026-11-10', to: '2026-11-14', queries: loadNamedQueries(), run: archive.run, mfaRequiredApps: ['Payroll'],
      integrity: { status: 'ok', objects_checked: 4, digests: 2, findings: [] }, retention: retentionFromConfig(Retention.parse({})),
    });
    const html = renderHtml(r, {
      failures: await renderChart(failuresSpec(r.failures_over_time), 'Failed sign-ins, MFA failures and MFA denials per day'),
      factors: await renderChart(factorMixSpec(r.factor_mix), 'Successful sign-ins by factor'),
      apps: await renderChart(coverageByAppSpec(r.apps), 'MFA coverage per application'),
    });
    const file = join(mkdtempSync(join(tmpdir(), 'authtrail-report-html-')), 'report.html');
    writeFileSync(file, html);
    return file;
  } finally {
    archive.db.close();
  }
}

