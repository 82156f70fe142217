/**
 * The evidence report over a seeded archive with known answers (test/helpers/report-seed.ts):
 * report.json's numbers are exactly the hand-counted ones and exactly what the shipped named
 * queries return for the tenant and period; the page is self-contained, escapes what it shows and
 * holds three charts.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { renderNamedQuery } from '../../lambdas/core/named-queries.ts';
import { loadNamedQueries } from '../../infra/queries.ts';
import { buildReport, retentionFromConfig, type Report } from '../../cli/report/data.ts';
import { coverageByAppSpec, factorMixSpec, failuresSpec, renderChart } from '../../cli/report/charts.ts';
import { renderHtml } from '../../cli/report/html.ts';
import { parseReportArgs, retentionOfBucket } from '../../cli/report.ts';
import { mockClient } from 'aws-sdk-client-mock';
import { GetBucketLifecycleConfigurationCommand, GetObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { Retention } from '../../lambdas/core/config.ts';
import { HOSTILE_USER, seededArchive } from '../helpers/report-seed.ts';

const INTEGRITY = { status: 'ok' as const, objects_checked: 4, digests: 2, findings: [] };

describe('authtrail report over a seeded archive', () => {
  let archive: Awaited<ReturnType<typeof seededArchive>>;
  let r: Report;
  const queries = loadNamedQueries();
  const named = (name: string, params: Record<string, string>) => archive.run(renderNamedQuery(queries.find((q) => q.name === name)!, params));
  const period = { tenant: 'acme', from: '2026-11-10', to: '2026-11-14' };

  before(async () => {
    archive = await seededArchive();
    r = await buildReport({ ...period, queries, run: archive.run, integrity: INTEGRITY, retention: retentionFromConfig(Retention.parse({ objectLock: 'compliance' })), mfaRequiredApps: ['Payroll'], now: new Date('2026-11-28T00:00:00Z') });
  });
  after(() => archive?.db.close());

  it('counts what was seeded: 7 of 10 sign-ins with MFA is 70.0 %', () => {
    const pick = (({ sign_ins, sign_ins_with_mfa, mfa_coverage_percent, sign_ins_without_mfa, failed_sign_ins, mfa_failures, mfa_denials, push_denials, fraud_reports, bypass_codes, factor_changes, lockouts, users, alerts_by_rule }) =>
      ({ sign_ins, sign_ins_with_mfa, mfa_coverage_percent, sign_ins_without_mfa, failed_sign_ins, mfa_failures, mfa_denials, push_denials, fraud_reports, bypass_codes, factor_changes, lockouts, users, alerts_by_rule }))(r);
    assert.deepEqual(pick, {
      sign_ins: 10, sign_ins_with_mfa: 7, mfa_coverage_percent: 70, sign_ins_without_mfa: 3, failed_sign_ins: 2, mfa_failures: 1, mfa_denials: 1,
      push_denials: 1, fraud_reports: 1, bypass_codes: 1, factor_changes: 1, lockouts: 1, users: 6, alerts_by_rule: { mfa_fatigue: 1 },
    });
    assert.deepEqual(r.apps.map((a) => [a.app, a.sign_ins, a.mfa_coverage_percent]), [['payroll', 1, 0], ['Payroll', 4, 75], ['Wiki', 5, 80]]);
    assert.deepEqual(r.countries, [{ country: 'DE', sign_ins: 11 }, { country: 'FR', sign_ins: 1 }, { country: 'NG', sign_ins: 1 }, { country: 'US', sign_ins: 1 }]);
    assert.deepEqual(r.factor_mix, [{ factor: 'push', sign_ins: 4 }, { factor: 'no second factor', sign_ins: 3 }, { factor: 'webauthn', sign_ins: 2 }, { factor: 'totp', sign_ins: 1 }]);
    assert.deepEqual(r.failures_over_time.filter((d) => d.failed_sign_ins || d.mfa_failures || d.mfa_denials), [
      { day: '2026-11-11', failed_sign_ins: 2, mfa_failures: 0, mfa_denials: 0 }, { day: '2026-11-12', failed_sign_ins: 0, mfa_failures: 1, mfa_denials: 1 },
    ]);
    assert.equal(r.failures_over_time.length, 5, 'every day of the period');
    assert.deepEqual(r.sources, [{ source_id: 'acme-okta', events: 18, first_event_time: '2026-11-10T08:00:00.000Z', last_event_time: '2026-11-13T13:00:00.000Z', days_without_events: 1, silent_days: ['2026-11-14'] }]);
    assert.deepEqual(r.signins_without_mfa_to_required_apps.map((x) => x['app_name']), ['Payroll', 'payroll']);
    assert.deepEqual(r.alerts.map((a) => [a.rule, a.user, a.event_uids]), [['mfa_fatigue', 'carol@example.com', ['acme-okta#f04']]]);
    assert.deepEqual(r.retention.object_lock, { mode: 'compliance', days: 2555 });
  });

  it('agrees with the named queries as an auditor runs them', async () => {
    const users = await named('mfa_coverage_by_user', period);
    assert.equal(r.sign_ins, users.reduce((n, u) => n + Number(u['sign_ins']), 0));
    assert.equal(r.users, users.length);
    assert.deepEqual(r.users_by_coverage.map((u) => [u.user, u.mfa_coverage_percent]), users.map((u) => [u['user_name'], u['mfa_percent']]));
    assert.deepEqual(r.apps.map((a) => a.mfa_coverage_percent), (await named('mfa_coverage_by_app', period)).map((a) => a['mfa_percent']));
    assert.equal(r.failed_sign_ins, (await named('failed_signins_over_time', { ...period, granularity: 'week' })).reduce((n, x) => n + Number(x['failed_sign_ins']), 0), 'weekly or daily, the same total');
    assert.equal(r.push_denials, (await named('push_denials', period)).length);
    assert.deepEqual(r.mfa_adherence, await named('mfa_adherence', period));
    assert.equal(r.definitions['mfa_coverage_by_user']!.sql, renderNamedQuery(queries.find((q) => q.name === 'mfa_coverage_by_user')!, period));
  });

  it('never shows another tenant', () => {
    const text = JSON.stringify(r);
    assert.ok(!text.includes('gina@example.org') && !text.includes('globex-okta'));
  });

  it('renders a self-contained page: no script, no external reference, every value escaped, three charts', async () => {
    const charts = {
      failures: await renderChart(failuresSpec(r.failures_over_time), 'failures'),
      factors: await renderChart(factorMixSpec(r.factor_mix), 'factors'),
      apps: await renderChart(coverageByAppSpec(r.apps), 'apps'),
    };
    const html = renderHtml(r, charts);
    assert.ok(!/<script/i.test(html), 'no script');
    // Only XML namespace names, never a fetched address.
    assert.deepEqual([...html.matchAll(/(?:src|href)\s*=\s*"(?!#)([^"]*)"/gi)].map((m) => m[1]), [], 'no src or href but in-page anchors');
    assert.ok(!/url\(/i.test(html), 'no CSS url()');
    assert.ok(!html.includes(HOSTILE_USER), 'the hostile name never appears raw');
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;@example.com'));
    assert.equal((html.match(/<svg role="img"/g) ?? []).length, 3);
    assert.match(html, /70\.0 %/);
  });

  it('takes --tenant, a period defaulting to the last 90 days, and refuses what would mislead', () => {
    assert.deepEqual(parseReportArgs(['--tenant', 'acme'], '2026-11-28').from, '2026-08-31');
    assert.throws(() => parseReportArgs([], '2026-11-28'), /needs --tenant/);
    assert.throws(() => parseReportArgs(['--tenant', 'acme', '--from', '2026-11-20', '--to', '2026-11-01']), /after --to/);
    assert.throws(() => parseReportArgs(['--tenant', 'acme', '--since', '1d']), /unknown option --since/);
  });

  it('reads the retention in force from the deployed bucket: lifecycle of events/ and Object Lock', async () => {
    const s3 = mockClient(S3Client);
    s3.on(GetBucketLifecycleConfigurationCommand).resolves({ Rules: [
      { ID: 'expire-quarantine', Status: 'Enabled', Filter: { Prefix: 'quarantine/' }, Expiration: { Days: 400 } },
      { ID: 'tier-events', Status: 'Enabled', Filter: { Prefix: 'events/' }, Expiration: { Days: 2555 }, Transitions: [{ Days: 30, StorageClass: 'STANDARD_IA' }, { Days: 180, StorageClass: 'GLACIER_IR' }] },
    ] });
    s3.on(GetObjectLockConfigurationCommand).resolves({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } } } });
    assert.deepEqual(await retentionOfBucket(new S3Client({ region: 'us-east-1' }), 'b', 90), {
      source: 'bucket', hot_days: 90, archive_days: 2555, infrequent_access_after_days: 30, glacier_after_days: 180, object_lock: { mode: 'compliance', days: 2555 },
    });
    s3.on(GetObjectLockConfigurationCommand).rejects(Object.assign(new Error('no lock'), { name: 'ObjectLockConfigurationNotFoundError' }));
    assert.equal((await retentionOfBucket(new S3Client({ region: 'us-east-1' }), 'b', null))?.object_lock, null);
    // Not allowed to read the bucket's settings: the caller falls back to the config, and says so.
    s3.on(GetBucketLifecycleConfigurationCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    assert.equal(await retentionOfBucket(new S3Client({ region: 'us-east-1' }), 'b', null), null);
    s3.restore();
  });
});
