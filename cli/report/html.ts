/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, no script, no external
 * reference), laid out to print to PDF (A4, page breaks between sections, tables repeat their
 * headers). Every value is escaped; the numbers are report.json's.
 */
import type { Report, Row } from './data.ts';

const esc = (v: unknown) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));
const pct = (n: number | null | undefined) => (n === null || n === undefined ? '—' : `${n.toFixed(1)} %`);

function table(caption: string, cols: readonly [string, string][], rows: readonly Row[], empty = 'None in this period.', limit = 500): string {
  if (!rows.length) return `<p class="empty">${esc(empty)}</p>`;
  const shown = rows.slice(0, limit);
  const cell = (v: unknown) => (v === null || v === undefined ? '' : Array.isArray(v) ? v.join(', ') : typeof v === 'number' ? fmt(v) : String(v));
  return `<table><caption>${esc(caption)}</caption><thead><tr>${cols.map(([, h]) => `<th scope="col">${esc(h)}</th>`).join('')}</tr></thead><tbody>${
    shown.map((r) => `<tr>${cols.map(([k]) => `<td>${esc(cell(r[k]))}</td>`).join('')}</tr>`).join('')
  }</tbody></table>${rows.length > limit ? `<p class="note">${fmt(rows.length - limit)} more rows in report.json.</p>` : ''}`;
}

const stat = (label: string, value: string, note = '') => `<div class="stat"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div>${note ? `<div class="note">${esc(note)}</div>` : ''}</div>`;

const CSS = `
:root { color-scheme: light; --ink: #111827; --muted: #4b5563; --line: #d1d5db; --accent: #1f4e79; --bad: #9b1c1c; --ok: #166534; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 0 auto; max-width: 980px; padding: 24px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; margin: 12px 0; }
.stat { border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
.stat .value { font-size: 22px; font-weight: 650; } .stat .label { color: var(--muted); } .stat .note { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 12px; font-size: 12.5px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
thead th { background: #f3f4f6; }
.chart { margin: 8px 0 16px; } .chart svg { max-width: 100%; height: auto; }
.empty, .note { color: var(--muted); }
.status-ok { color: var(--ok); font-weight: 650; } .status-failed { color: var(--bad); font-weight: 650; }
pre { white-space: pre-wrap; font-size: 11.5px; background: #f9fafb; border: 1px solid var(--line); padding: 8px; }
a { color: var(--accent); }
@page { size: A4; margin: 16mm 14mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-before: page; } h2.first { break-before: avoid; }
  table, .chart, .stat { break-inside: avoid; } thead { display: table-header-group; }
  nav { display: none; }
}`;

export function renderHtml(r: Report, charts: { failures: string; factors: string; apps: string }): string {
  const sections: [string, string, string][] = [];
  const add = (id: string, title: string, body: string) => sections.push([id, title, body]);

  add('coverage', 'MFA coverage', `
<div class="stats">
${stat('MFA coverage', pct(r.mfa_coverage_percent), 'of the successful sign-ins whose MFA can be judged')}
${stat('successful sign-ins', fmt(r.sign_ins))}
${stat('with MFA', fmt(r.sign_ins_with_mfa))}
${stat('without MFA', fmt(r.sign_ins_without_mfa))}
${stat('MFA at an external IdP', fmt(r.sign_ins_mfa_at_idp), 'federated: check the IdP\u2019s own log')}
${stat('MFA not reported', fmt(r.sign_ins_mfa_unknown), 'the vendor did not say')}
${stat('users', fmt(r.users))}
</div>
<h3>Per application</h3>
<div class="chart">${charts.apps}</div>
${table('MFA coverage per application', [['app', 'application'], ['sign_ins', 'sign-ins'], ['with_mfa', 'with MFA'], ['without_mfa', 'without'], ['mfa_at_idp', 'at IdP'], ['mfa_unknown', 'not reported'], ['mfa_coverage_percent', 'coverage %']], r.apps)}
<h3>Per user, lowest coverage first</h3>
${table('MFA coverage per user', [['user', 'user'], ['sign_ins', 'sign-ins'], ['with_mfa', 'with MFA'], ['without_mfa', 'without'], ['mfa_at_idp', 'at IdP'], ['mfa_unknown', 'not reported'], ['mfa_coverage_percent', 'coverage %']], r.users_by_coverage)}
<h3>Factor mix</h3>
<div class="chart">${charts.factors}</div>
${table('Successful sign-ins by factor', [['factor', 'factor'], ['sign_ins', 'sign-ins']], r.factor_mix)}`);

  add('adherence', 'MFA adherence per user', table('Required MFA challenges per user: completed, bypassed, failed', Object.keys(r.mfa_adherence[0] ?? {}).filter((k) => k !== 'tenant').map((k) => [k, k.replace(/_/g, ' ')] as [string, string]), r.mfa_adherence));

  add('failures', 'Failed sign-ins and MFA failures', `
<div class="stats">
${stat('failed sign-ins', fmt(r.failed_sign_ins))}
${stat('MFA failures', fmt(r.mfa_failures))}
${stat('MFA denials', fmt(r.mfa_denials))}
${stat('push denials', fmt(r.push_denials))}
</div>
<div class="chart">${charts.failures}</div>
${table('Per day', [['day', 'day'], ['failed_sign_ins', 'failed sign-ins'], ['mfa_failures', 'MFA failures'], ['mfa_denials', 'MFA denials']], r.failures_over_time.filter((d) => d.failed_sign_ins || d.mfa_failures || d.mfa_denials), 'No failed sign-ins, MFA failures or denials in this period.')}`);

  add('without-mfa', 'Sign-ins without MFA', `
<h3>To MFA-required applications</h3>
${r.mfa_required_apps.length
    ? table(`Sign-ins without MFA to ${r.mfa_required_apps.join(', ')}`, [['event_time', 'time (UTC)'], ['user_name', 'user'], ['app_name', 'application'], ['factor', 'factor'], ['src_ip', 'IP'], ['geo_country', 'country']], r.signins_without_mfa_to_required_apps, 'None: every sign-in to an MFA-required application used a second factor (or had it decided at the identity provider).')
    : '<p class="empty">No application is marked MFA-required for this tenant (alerts.rules.mfa_required_app.apps in the config).</p>'}
<h3>All applications</h3>
` + table('Successful sign-ins without a second factor, or without the vendor saying', [['event_time', 'time (UTC)'], ['user_name', 'user'], ['app_name', 'application'], ['factor', 'factor'], ['src_ip', 'IP'], ['geo_country', 'country'], ['source_id', 'source']], r.signins_without_mfa));

  add('alerts', 'Alerts', `
${table('Alerts per rule', [['rule', 'rule'], ['n', 'alerts']], Object.entries(r.alerts_by_rule).map(([rule, n]) => ({ rule, n })), 'No alerts in this period.')}
${table('Every alert with its evidence (source_id#event_uid)', [['first_event_time', 'first event (UTC)'], ['rule', 'rule'], ['severity', 'severity'], ['user', 'user'], ['matches', 'matches'], ['summary', 'summary'], ['event_uids', 'evidence']], r.alerts, 'No alerts in this period.')}`);

  add('factor-changes', 'Factor changes', table('Who changed whose factor', [['event_time', 'time (UTC)'], ['category', 'change'], ['user_name', 'user'], ['done_by', 'done by'], ['done_as', 'as'], ['factor', 'factor'], ['src_ip', 'IP']], r.factor_change_events));

  add('countries', 'Countries', table('Sign-ins per country', [['country', 'country'], ['sign_ins', 'sign-ins']], r.countries));

  add('lockouts', 'Lockouts, fraud reports and bypass codes', `
<div class="stats">${stat('lockouts', fmt(r.lockouts))}${stat('fraud reports', fmt(r.fraud_reports))}${stat('bypass code uses', fmt(r.bypass_codes))}</div>
${table('Lockouts and unlocks', [['event_time', 'time (UTC)'], ['category', 'event'], ['user_name', 'user'], ['reason', 'reason'], ['src_ip', 'IP'], ['geo_country', 'country']], r.lockout_events)}
${table('Fraud reports', [['event_time', 'time (UTC)'], ['user_name', 'user'], ['raw_event_type', 'vendor event'], ['src_ip', 'IP'], ['geo_country', 'country']], r.fraud_report_events)}
${table('Bypass codes', [['event_time', 'time (UTC)'], ['user_name', 'user'], ['outcome', 'outcome'], ['reason', 'reason'], ['actor_login', 'issued by']], r.bypass_code_events)}`);

  add('feeds', 'Feed completeness', table('Events per source; days of the period without any', [['source_id', 'source'], ['events', 'events'], ['first_event_time', 'first event (UTC)'], ['last_event_time', 'last event (UTC)'], ['days_without_events', 'days without events']], r.sources, 'No source delivered events in this period.'));

  const integrity = r.integrity;
  add('integrity', 'Archive integrity', `
<p>Status: <span class="status-${esc(integrity.status)}">${integrity.status === 'ok' ? 'the archive matches its digest chain' : 'FAILED'}</span>
— ${fmt(integrity.objects_checked)} archive object(s) of this tenant and period checked against ${fmt(integrity.digests)} chained digest(s) (SHA-256), ${fmt(integrity.findings.length)} finding(s).</p>
${table('Findings', [['kind', 'kind'], ['key', 'object'], ['detail', 'detail']], integrity.findings, 'No findings: no object missing, altered or unlisted; no digest missing, altered or cut from the chain.')}`);

  const ret = r.retention;
  add('retention', 'Retention and WORM settings in force', `
<p class="note">Read from ${ret.source === 'bucket' ? 'the deployed archive bucket\u2019s own configuration' : 'the collector\u2019s configuration (authtrail.config.json)'}.</p>
${table('Retention', [['setting', 'setting'], ['value', 'value']], [
    { setting: 'hot table (investigations)', value: ret.hot_days === null ? '—' : `${ret.hot_days} days` },
    { setting: 'archive kept for', value: ret.archive_days === null ? '—' : `${ret.archive_days} days` },
    { setting: 'moved to infrequent access after', value: ret.infrequent_access_after_days === null ? '—' : `${ret.infrequent_access_after_days} days` },
    { setting: 'moved to Glacier after', value: ret.glacier_after_days === null ? '—' : `${ret.glacier_after_days} days` },
    { setting: 'S3 Object Lock (WORM)', value: ret.object_lock ? `${ret.object_lock.mode}${ret.object_lock.days ? `, ${ret.object_lock.days} days` : ''}` : 'not enabled' },
  ])}`);

  add('definitions', 'Definitions', `
<p>Every number above is a count or a sum of the rows of one of these queries, exactly as they are installed in the tenant's Athena workgroup, run with tenant <code>${esc(r.tenant)}</code>, from <code>${esc(r.from)}</code> to <code>${esc(r.to)}</code> (event time, UTC). A sign-in is a successful <code>login</code>, <code>sso</code>, <code>mfa_verify</code> or <code>mfa_bypass</code> event; MFA coverage is the share with a second factor among those whose MFA can be judged (MFA decided at an external identity provider, and sign-ins whose vendor did not say, are counted beside it).</p>
${Object.entries(r.definitions).map(([name, d]) => `<h3>${esc(name)}</h3><p>${esc(d.question)}</p><pre>${esc(d.sql)}</pre>`).join('\n')}`);

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>MFA evidence report — ${esc(r.tenant)}, ${esc(r.from)} to ${esc(r.to)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>MFA evidence report: ${esc(r.tenant)}</h1>
<p class="meta">Period ${esc(r.from)} to ${esc(r.to)} (event time, UTC) · generated ${esc(r.generated_at)} by authtrail · the numbers are also in report.json</p>
</header>
<nav aria-label="Sections"><ol>${sections.map(([id, title]) => `<li><a href="#${id}">${esc(title)}</a></li>`).join('')}</ol></nav>
<main>
${sections.map(([id, title, body], i) => `<section id="${id}" aria-labelledby="${id}-h"><h2 id="${id}-h"${i === 0 ? ' class="first"' : ''}>${esc(title)}</h2>${body}</section>`).join('\n')}
</main>
</body>
</html>
`;
}
