/**
 * The evidence report's numbers (CONTRACT §7 `report.json`), for one tenant and period. Every
 * number comes from a shipped named query (queries/*.sql) run with `tenant`, `from` and `to`, and
 * is a sum or a count of its rows, so the report, the queries an auditor runs in Athena and
 * `report.json` agree by construction. The runner is DuckDB locally and Athena in AWS mode, which
 * hands every value over as a string: numbers are read with `num`.
 */
import { renderNamedQuery, type NamedQuery } from '../../lambdas/core/named-queries.ts';
import { daysBetween } from '../../lambdas/core/backfill.ts';
import type { Retention } from '../../lambdas/core/config.ts';

export type Row = Record<string, unknown>;
/** Runs SQL over the archive (`events`, `alerts`) and returns its rows. */
export type SqlRunner = (sql: string) => Promise<Row[]>;

export interface Integrity {
  status: 'ok' | 'failed';
  objects_checked: number;
  digests: number;
  findings: { kind: string; key: string; detail: string }[];
}

export interface RetentionInForce {
  /** Where the settings were read: the deployed bucket's own configuration, or the config file. */
  source: 'bucket' | 'config';
  hot_days: number | null;
  archive_days: number | null;
  infrequent_access_after_days: number | null;
  glacier_after_days: number | null;
  object_lock: { mode: string; days: number | null } | null;
}

/** The queries the report is built from, by section. */
export const REPORT_QUERIES = [
  'mfa_coverage_by_user', 'mfa_coverage_by_app', 'factor_mix', 'failed_signins_over_time', 'failed_mfa_by_user',
  'push_denials', 'fraud_reports', 'bypass_code_use', 'factor_changes', 'lockouts', 'signins_by_country',
  'signins_without_mfa', 'alerts_raised', 'daily_events_per_source', 'mfa_adherence',
] as const;
export type ReportQuery = (typeof REPORT_QUERIES)[number];

export const num = (v: unknown): number => {
  if (v === null || v === undefined || v === '') return 0;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : 0;
};
const numOrNull = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : num(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const sum = (rows: readonly Row[], col: string) => rows.reduce((n, r) => n + num(r[col]), 0);
/** The coverage queries' own rounding: one decimal, of the sign-ins whose MFA can be judged. */
export const percent = (part: number, whole: number): number | null => (whole ? Math.round((1000 * part) / whole) / 10 : null);

export interface ReportInput {
  readonly tenant: string;
  readonly from: string;
  readonly to: string;
  readonly queries: readonly NamedQuery[];
  readonly run: SqlRunner;
  readonly integrity: Integrity;
  readonly retention: RetentionInForce;
  /** The tenant's MFA-required applications (the `mfa_required_app` rule's `apps`). */
  readonly mfaRequiredApps?: readonly string[];
  readonly now?: Date;
}

export type Report = Awaited<ReturnType<typeof buildReport>>;

/** Runs the report's queries and assembles report.json. */
export async function buildReport(i: ReportInput) {
  const byName = new Map(i.queries.map((q) => [q.name, q]));
  const rows = {} as Record<ReportQuery, Row[]>;
  const sql = {} as Record<ReportQuery, string>;
  for (const name of REPORT_QUERIES) {
    const q = byName.get(name);
    if (!q) throw new Error(`the report needs the named query ${name}, which is not in queries/`);
    const params: Record<string, string> = { tenant: i.tenant, from: i.from, to: i.to };
    if (q.params.some((p) => p.name === 'granularity')) params['granularity'] = 'day';
    for (const k of Object.keys(params)) if (!q.params.some((p) => p.name === k)) delete params[k];
    sql[name] = renderNamedQuery(q, params);
    rows[name] = await i.run(sql[name]);
  }
  const users = rows.mfa_coverage_by_user;
  const withMfa = sum(users, 'with_mfa');
  const withoutMfa = sum(users, 'without_mfa');
  const countries = new Map<string, number>();
  for (const r of rows.signins_by_country) countries.set(String(r['country']), (countries.get(String(r['country'])) ?? 0) + num(r['sign_ins']));
  const alertsByRule: Record<string, number> = {};
  for (const r of rows.alerts_raised) alertsByRule[String(r['rule'])] = (alertsByRule[String(r['rule'])] ?? 0) + 1;
  const days = daysBetween(i.from, i.to);
  const required = new Set((i.mfaRequiredApps ?? []).map((x) => x.toLowerCase()));

  return {
    tenant: i.tenant,
    from: i.from,
    to: i.to,
    generated_at: (i.now ?? new Date()).toISOString(),
    sign_ins: sum(users, 'sign_ins'),
    sign_ins_with_mfa: withMfa,
    mfa_coverage_percent: percent(withMfa, withMfa + withoutMfa),
    sign_ins_without_mfa: withoutMfa,
    sign_ins_mfa_at_idp: sum(users, 'mfa_at_idp'),
    sign_ins_mfa_unknown: sum(users, 'mfa_unknown'),
    failed_sign_ins: sum(rows.failed_signins_over_time, 'failed_sign_ins'),
    mfa_failures: sum(rows.failed_mfa_by_user, 'failed'),
    mfa_denials: sum(rows.failed_mfa_by_user, 'denied'),
    push_denials: rows.push_denials.length,
    fraud_reports: rows.fraud_reports.length,
    bypass_codes: rows.bypass_code_use.length,
    factor_changes: rows.factor_changes.length,
    lockouts: rows.lockouts.filter((r) => r['category'] === 'lockout').length,
    users: users.length,
    apps: rows.mfa_coverage_by_app.map((r) => ({
      app: String(r['app']), sign_ins: num(r['sign_ins']), with_mfa: num(r['with_mfa']), without_mfa: num(r['without_mfa']),
      mfa_at_idp: num(r['mfa_at_idp']), mfa_unknown: num(r['mfa_unknown']), mfa_coverage_percent: numOrNull(r['mfa_percent']),
    })),
    users_by_coverage: users.map((r) => ({
      user: str(r['user_name']), sign_ins: num(r['sign_ins']), with_mfa: num(r['with_mfa']), without_mfa: num(r['without_mfa']),
      mfa_at_idp: num(r['mfa_at_idp']), mfa_unknown: num(r['mfa_unknown']), mfa_coverage_percent: numOrNull(r['mfa_percent']),
    })),
    factor_mix: rows.factor_mix.map((r) => ({ factor: String(r['factor']), sign_ins: num(r['sign_ins']) })),
    countries: [...countries].map(([country, n]) => ({ country, sign_ins: n })).sort((a, b) => b.sign_ins - a.sign_ins || a.country.localeCompare(b.country)),
    failures_over_time: failuresByDay(rows.failed_signins_over_time, days),
    mfa_adherence: rows.mfa_adherence,
    alerts_by_rule: alertsByRule,
    alerts: rows.alerts_raised.map((r) => ({
      alert_id: str(r['alert_id']), rule: str(r['rule']), severity: str(r['severity']), user: str(r['user_name']),
      first_event_time: str(r['first_event_time']), last_event_time: str(r['last_event_time']), matches: num(r['matches']),
      summary: str(r['summary']), event_uids: evidence(r['event_uids']),
    })),
    factor_change_events: rows.factor_changes,
    signins_without_mfa: rows.signins_without_mfa,
    mfa_required_apps: [...(i.mfaRequiredApps ?? [])],
    signins_without_mfa_to_required_apps: rows.signins_without_mfa.filter((r) => required.has(String(r['app_name'] ?? '').toLowerCase())),
    lockout_events: rows.lockouts,
    fraud_report_events: rows.fraud_reports,
    bypass_code_events: rows.bypass_code_use,
    sources: sources(rows.daily_events_per_source, days),
    integrity: i.integrity,
    retention: i.retention,
    definitions: Object.fromEntries(REPORT_QUERIES.map((n) => [n, { question: byName.get(n)!.question, sql: sql[n] }])),
  };
}

/** Athena hands an array over as `[a, b]`, DuckDB as a list. */
function evidence(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.replace(/^\[|\]$/g, '').split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}

/** Failed sign-ins, MFA failures and denials per day, over every day of the period (days without any are 0). */
function failuresByDay(rows: readonly Row[], days: readonly string[]) {
  const per = new Map<string, { failed_sign_ins: number; mfa_failures: number; mfa_denials: number }>();
  for (const r of rows) {
    const day = String(r['period_start'] ?? '').slice(0, 10);
    const d = per.get(day) ?? { failed_sign_ins: 0, mfa_failures: 0, mfa_denials: 0 };
    d.failed_sign_ins += num(r['failed_sign_ins']);
    d.mfa_failures += num(r['mfa_failures']);
    d.mfa_denials += num(r['mfa_denials']);
    per.set(day, d);
  }
  return days.map((day) => ({ day, ...(per.get(day) ?? { failed_sign_ins: 0, mfa_failures: 0, mfa_denials: 0 }) }));
}

/** Feed completeness: per source, its events and the days of the period it delivered none. */
function sources(rows: readonly Row[], days: readonly string[]) {
  const per = new Map<string, { events: number; first: string | null; last: string | null; days: Set<string> }>();
  for (const r of rows) {
    const id = String(r['source_id']);
    const s = per.get(id) ?? { events: 0, first: null, last: null, days: new Set<string>() };
    s.events += num(r['events']);
    const first = str(r['first_event_time']);
    const last = str(r['last_event_time']);
    if (first && (!s.first || first < s.first)) s.first = first;
    if (last && (!s.last || last > s.last)) s.last = last;
    s.days.add(String(r['dt']));
    per.set(id, s);
  }
  return [...per].sort(([a], [b]) => a.localeCompare(b)).map(([source_id, s]) => ({
    source_id, events: s.events, first_event_time: s.first, last_event_time: s.last,
    days_without_events: days.filter((d) => !s.days.has(d)).length,
    silent_days: days.filter((d) => !s.days.has(d)),
  }));
}

/** The retention the config asks for (locally, and when the bucket's own settings cannot be read). */
export function retentionFromConfig(r: Retention): RetentionInForce {
  return {
    source: 'config', hot_days: r.hotDays, archive_days: r.archiveDays,
    infrequent_access_after_days: r.infrequentAccessAfterDays, glacier_after_days: r.glacierAfterDays,
    object_lock: r.objectLock ? { mode: r.objectLock, days: r.archiveDays } : null,
  };
}
