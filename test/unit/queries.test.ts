/**
 * Every auditor query in queries/ run by DuckDB over a seeded archive written by the real
 * Parquet writer, with the rows each must return.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertKey, archiveKey, groupByPartition } from '../../lambdas/core/archive.ts';
import type { Alert } from '../../lambdas/core/detect/engine.ts';
import { renderNamedQuery } from '../../lambdas/core/named-queries.ts';
import { alertsToParquet, eventsToParquet } from '../../lambdas/core/parquet.ts';
import { loadNamedQueries } from '../../infra/queries.ts';
import { openArchiveDb, runSql } from '../../local/archive-db.ts';
import { accessKey, type AccessRecord } from '../../lambdas/adapters/access-log.ts';

const ACCESS: AccessRecord[] = [
  { access_id: 'a-1', time: '2026-11-20T09:00:00.000Z', tenant: 'acme', who: 'local:analyst', action: 'reveal', what: 'pn_aaaaaaaaaaaaaaaaaaaa', reason: 'incident 7', mode: 'local' },
  { access_id: 'a-2', time: '2026-11-20T10:00:00.000Z', tenant: '_all', who: 'local:analyst', action: 'query', what: 'SELECT 1', reason: null, mode: 'local' },
  { access_id: 'a-3', time: '2026-11-21T08:00:00.000Z', tenant: 'acme', who: 'iam:arn:aws:iam::111122223333:role/investigator', action: 'api', what: 'events?user=pn_aaaaaaaaaaaaaaaaaaaa', reason: null, mode: 'aws' },
];
import { ev } from '../helpers/events.ts';

const g = { tenant: 'globex', source_id: 'globex-okta' };
const a = { source_id: 'acme-aws', source: 'aws_signin' as const };
const SEED = [
  ev({ event_uid: 'e01', event_time: '2026-11-20T08:00:00.000Z', category: 'login', outcome: 'success', is_mfa: true, factor: 'push', user_email: 'alice@example.com', app_name: 'Payroll', geo_country: 'DE' }),
  ev({ event_uid: 'e02', event_time: '2026-11-20T09:00:00.000Z', category: 'login', outcome: 'success', is_mfa: false, factor: 'password', user_email: 'alice@example.com', app_name: 'Payroll', geo_country: 'DE', src_ip: '198.51.100.1' }),
  ev({ event_uid: 'e03', event_time: '2026-11-20T10:00:00.000Z', category: 'sso', outcome: 'success', is_mfa: true, user_email: 'bob@example.com', app_name: 'Wiki', geo_country: 'US' }),
  ev({ event_uid: 'e04', event_time: '2026-11-20T10:05:00.000Z', category: 'mfa_verify', outcome: 'denied', is_mfa: true, factor: 'push', user_email: 'bob@example.com', geo_country: 'NG', src_ip: '203.0.113.9', reason: 'User rejected' }),
  ev({ event_uid: 'e05', event_time: '2026-11-20T10:06:00.000Z', category: 'mfa_verify', outcome: 'failure', is_mfa: true, factor: 'push', user_email: 'bob@example.com', geo_country: 'NG' }),
  ev({ event_uid: 'e06', event_time: '2026-11-21T11:00:00.000Z', category: 'mfa_bypass', outcome: 'failure', is_mfa: true, factor: 'bypass_code', user_email: 'carol@example.com', reason: 'INVALID_CREDENTIALS' }),
  ev({ event_uid: 'e07', event_time: '2026-11-21T12:00:00.000Z', category: 'factor_reset', outcome: 'success', is_mfa: false, user_email: 'bob@example.com', actor_id: '00uadmin', actor_login: 'helpdesk@example.com' }),
  ev({ event_uid: 'e08', event_time: '2026-11-21T12:05:00.000Z', category: 'factor_enroll', outcome: 'success', is_mfa: false, factor: 'totp', user_email: 'frank@example.com' }),
  ev({ event_uid: 'e09', event_time: '2026-11-21T13:00:00.000Z', category: 'lockout', outcome: 'failure', user_login: 'dave', reason: 'LOCKED_OUT' }),
  ev({ event_uid: 'e10', event_time: '2026-11-21T14:00:00.000Z', category: 'fraud_report', outcome: 'fraud', user_email: 'bob@example.com', raw_event_type: 'user.account.report_suspicious_activity_by_enduser' }),
  ev({ event_uid: 'e11', event_time: '2026-11-22T09:00:00.000Z', category: 'login', outcome: 'success', is_mfa: true, user_email: 'bob@example.com', geo_country: 'NG' }),
  // Federated sign-ins (acme-aws): MFA decided at the identity provider (null), proven (true),
  // not reported (null, no factor), refused (false); and a user whose only sign-in was federated.
  ev({ ...a, event_uid: 'a01', event_time: '2026-11-22T10:00:00.000Z', category: 'login', outcome: 'success', is_mfa: null, factor: 'external_idp', factor_raw: 'arn:aws:iam::123456789012:saml-provider/ExampleIdP', user_email: 'erin@example.com', app_name: 'AWS Management Console', geo_country: 'US' }),
  ev({ ...a, event_uid: 'a02', event_time: '2026-11-22T10:05:00.000Z', category: 'login', outcome: 'success', is_mfa: true, factor: 'external_idp', user_email: 'erin@example.com', app_name: 'AWS Management Console', geo_country: 'US' }),
  ev({ ...a, event_uid: 'a03', event_time: '2026-11-22T10:10:00.000Z', category: 'login', outcome: 'success', is_mfa: null, user_email: 'erin@example.com', app_name: 'AWS Management Console', geo_country: 'US' }),
  ev({ ...a, event_uid: 'a04', event_time: '2026-11-22T10:15:00.000Z', category: 'login', outcome: 'success', is_mfa: false, factor: 'password', user_email: 'erin@example.com', app_name: 'AWS Management Console', geo_country: 'US' }),
  ev({ ...a, event_uid: 'a05', event_time: '2026-11-22T10:20:00.000Z', category: 'login', outcome: 'success', is_mfa: null, factor: 'external_idp', factor_raw: 'EXTERNAL_IDP', user_email: 'ivan@example.com', app_name: 'AWS IAM Identity Center', correlation_id: 'wf-5' }),
  ev({ ...g, event_uid: 'g01', event_time: '2026-11-20T07:00:00.000Z', category: 'login', outcome: 'success', is_mfa: false, user_email: 'gina@example.org', app_name: 'CRM', geo_country: 'FR' }),
  ev({ ...g, event_uid: 'g02', event_time: '2026-11-20T07:30:00.000Z', category: 'lockout', outcome: 'failure', user_email: 'gina@example.org' }),
];

describe('auditor queries over a seeded archive (DuckDB)', () => {
  let db: Awaited<ReturnType<typeof openArchiveDb>>;
  const queries = new Map(loadNamedQueries().map((q) => [q.name, q]));
  const run = (name: string, params: Record<string, string> = {}) => runSql(db.connection, renderNamedQuery(queries.get(name)!, params));
  const pick = (rows: Record<string, unknown>[], ...cols: string[]) => rows.map((r) => cols.map((c) => r[c]));

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'authtrail-seed-'));
    for (const p of groupByPartition(SEED).values()) {
      const body = eventsToParquet(p.events);
      const key = archiveKey(p.tenant, p.dt, 'part-seed');
      mkdirSync(join(dir, 'events', `tenant=${p.tenant}`, `dt=${p.dt}`), { recursive: true });
      writeFileSync(join(dir, key), body);
    }
    // Alerts as the detector archives them: a raised version, then a later one with a higher count.
    const fatigue: Alert = { alert_id: 'a1', rule: 'mfa_fatigue', severity: 'high', tenant: 'acme', user: 'bob@example.com', first_event_time: '2026-11-20T10:05:00.000Z', last_event_time: '2026-11-20T10:06:00.000Z', count: 3, summary: '3 denied', event_uids: ['acme-okta#x1', 'acme-okta#x2', 'acme-okta#x3'] };
    const versions: Alert[][] = [[fatigue], [{ ...fatigue, count: 4, last_event_time: '2026-11-20T10:07:00.000Z', event_uids: [...fatigue.event_uids, 'acme-okta#x4'] }],
      [{ ...fatigue, alert_id: 'g1', tenant: 'globex', rule: 'lockout_burst', user: '*', count: 5, event_uids: [] }]];
    for (const v of versions) {
      const body = alertsToParquet(v);
      const key = alertKey(v[0]!.tenant, v[0]!.first_event_time, body);
      mkdirSync(join(dir, key, '..'), { recursive: true });
      writeFileSync(join(dir, key), body);
    }
    // The access log as authtrail writes it (lambdas/adapters/access-log.ts): one JSON object per access.
    for (const r of ACCESS) {
      const key = accessKey(r);
      mkdirSync(join(dir, key, '..'), { recursive: true });
      writeFileSync(join(dir, key), `${JSON.stringify(r)}\n`);
    }
    db = await openArchiveDb(dir);
  });
  after(() => db?.close());

  it('mfa_coverage_by_user: the percent is over the sign-ins authtrail can judge; MFA at the identity provider and unknown are counted beside it', async () => {
    const cols = ['tenant', 'user_name', 'sign_ins', 'with_mfa', 'mfa_percent', 'without_mfa', 'mfa_at_idp', 'mfa_unknown'];
    assert.deepEqual(pick(await run('mfa_coverage_by_user'), ...cols), [
      ['globex', 'gina@example.org', 1, 0, 0, 1, 0, 0], ['acme', 'erin@example.com', 4, 1, 50, 1, 1, 1], ['acme', 'alice@example.com', 2, 1, 50, 1, 0, 0],
      ['acme', 'bob@example.com', 2, 2, 100, 0, 0, 0], ['acme', 'ivan@example.com', 1, 0, null, 0, 1, 0],
    ]);
    assert.deepEqual(pick(await run('mfa_coverage_by_user', { tenant: 'acme' }), 'user_name'), [['erin@example.com'], ['alice@example.com'], ['bob@example.com'], ['ivan@example.com']]);
    assert.deepEqual(pick(await run('mfa_coverage_by_user', { from: '2026-11-21' }), 'user_name', 'sign_ins'), [['erin@example.com', 4], ['bob@example.com', 1], ['ivan@example.com', 1]]);
  });
  it('mfa_coverage_by_app', async () => {
    assert.deepEqual(pick(await run('mfa_coverage_by_app'), 'tenant', 'app', 'sign_ins', 'mfa_percent', 'without_mfa', 'mfa_at_idp', 'mfa_unknown'), [
      ['globex', 'CRM', 1, 0, 1, 0, 0], ['acme', 'AWS Management Console', 4, 50, 1, 1, 1], ['acme', 'Payroll', 2, 50, 1, 0, 0],
      ['acme', '(no application)', 1, 100, 0, 0, 0], ['acme', 'Wiki', 1, 100, 0, 0, 0], ['acme', 'AWS IAM Identity Center', 1, null, 0, 1, 0],
    ]);
  });
  it('failed_mfa_by_user', async () => {
    assert.deepEqual(pick(await run('failed_mfa_by_user'), 'user_name', 'failed', 'denied'), [['bob@example.com', 1, 1]]);
  });
  it('push_denials', async () => {
    assert.deepEqual(pick(await run('push_denials'), 'user_name', 'src_ip', 'geo_country', 'reason'), [['bob@example.com', '203.0.113.9', 'NG', 'User rejected']]);
  });
  it('bypass_code_use', async () => {
    assert.deepEqual(pick(await run('bypass_code_use'), 'user_name', 'outcome', 'reason'), [['carol@example.com', 'failure', 'INVALID_CREDENTIALS']]);
  });
  it('factor_changes: who did it, the user or an admin', async () => {
    assert.deepEqual(pick(await run('factor_changes'), 'category', 'user_name', 'done_by', 'done_as'), [
      ['factor_reset', 'bob@example.com', 'helpdesk@example.com', 'admin'], ['factor_enroll', 'frank@example.com', 'frank@example.com', 'self'],
    ]);
  });
  it('signins_without_mfa: refused or unreported, never MFA decided at the identity provider', async () => {
    assert.deepEqual(pick(await run('signins_without_mfa'), 'tenant', 'user_name', 'app_name', 'is_mfa'), [
      ['globex', 'gina@example.org', 'CRM', false], ['acme', 'alice@example.com', 'Payroll', false],
      ['acme', 'erin@example.com', 'AWS Management Console', null], ['acme', 'erin@example.com', 'AWS Management Console', false],
    ]);
  });
  it('signins_mfa_at_idp: federated sign-ins to check against the identity provider', async () => {
    assert.deepEqual(pick(await run('signins_mfa_at_idp'), 'user_name', 'app_name', 'factor_raw', 'correlation_id'), [
      ['erin@example.com', 'AWS Management Console', 'arn:aws:iam::123456789012:saml-provider/ExampleIdP', null],
      ['ivan@example.com', 'AWS IAM Identity Center', 'EXTERNAL_IDP', 'wf-5'],
    ]);
    assert.equal((await run('signins_mfa_at_idp', { tenant: 'globex' })).length, 0);
  });
  it('signins_by_country: first-seen countries per user', async () => {
    assert.deepEqual(pick(await run('signins_by_country', { tenant: 'acme' }), 'user_name', 'country', 'sign_ins', 'new_after_first_country'), [
      ['alice@example.com', 'DE', 2, false], ['bob@example.com', 'US', 1, false], ['bob@example.com', 'NG', 3, true],
      ['erin@example.com', 'US', 4, false], ['ivan@example.com', '??', 1, false],
    ]);
  });
  it('lockouts, one tenant at a time', async () => {
    assert.deepEqual(pick(await run('lockouts'), 'tenant', 'user_name'), [['globex', 'gina@example.org'], ['acme', 'dave']]);
    assert.deepEqual(pick(await run('lockouts', { tenant: 'globex' }), 'tenant', 'user_name'), [['globex', 'gina@example.org']]);
  });
  it('daily_events_per_source: feed completeness', async () => {
    assert.deepEqual(pick(await run('daily_events_per_source'), 'tenant', 'source_id', 'dt', 'events', 'mfa_events', 'mfa_at_idp_events'), [
      ['acme', 'acme-aws', '2026-11-22', 5, 1, 2], ['acme', 'acme-okta', '2026-11-20', 5, 4, 0], ['acme', 'acme-okta', '2026-11-21', 5, 1, 0],
      ['acme', 'acme-okta', '2026-11-22', 1, 1, 0], ['globex', 'globex-okta', '2026-11-20', 2, 0, 0],
    ]);
    assert.deepEqual(pick(await run('daily_events_per_source', { tenant: 'acme', from: '2026-11-21', to: '2026-11-21' }), 'source_id', 'first_event_time', 'last_event_time'), [
      ['acme-okta', '2026-11-21T11:00:00.000Z', '2026-11-21T14:00:00.000Z'],
    ]);
  });
  it('factor_mix: the successful sign-ins of the coverage queries, by factor (none, at the IdP, not reported)', async () => {
    // acme: e01 push, e02 no factor, e03 MFA without a factor named, e11 the same, a01/a05 at the IdP,
    // a02 MFA proven at the IdP, a03 not reported, a04 none; e06 (a failed bypass) is not a sign-in.
    assert.deepEqual(pick(await run('factor_mix', { tenant: 'acme' }), 'factor', 'sign_ins'), [
      ['external_idp', 3], ['no second factor', 2], ['unknown', 2], ['not reported', 1], ['push', 1],
    ]);
    const total = (await run('factor_mix', { tenant: 'acme' })).reduce((n, r) => n + Number(r['sign_ins']), 0);
    const coverage = (await run('mfa_coverage_by_user', { tenant: 'acme' })).reduce((n, r) => n + Number(r['sign_ins']), 0);
    assert.equal(total, coverage, 'the same sign-ins as the coverage queries');
  });
  it('fraud_reports', async () => {
    assert.deepEqual(pick(await run('fraud_reports'), 'user_name', 'raw_event_type'), [['bob@example.com', 'user.account.report_suspicious_activity_by_enduser']]);
  });
  it('alerts_raised: the newest version of each alert, with its evidence', async () => {
    assert.deepEqual(pick(await run('alerts_raised'), 'tenant', 'rule', 'severity', 'user_name', 'matches', 'event_uids'), [
      ['acme', 'mfa_fatigue', 'high', 'bob@example.com', 4, ['acme-okta#x1', 'acme-okta#x2', 'acme-okta#x3', 'acme-okta#x4']],
      ['globex', 'lockout_burst', 'high', '*', 5, []],
    ]);
    assert.deepEqual(pick(await run('alerts_raised', { tenant: 'globex' }), 'alert_id'), [['g1']]);
    assert.equal((await run('alerts_raised', { from: '2026-11-21' })).length, 0);
  });
  it('access_log: every recorded access in time order, per tenant and period', async () => {
    assert.deepEqual(pick(await run('access_log'), 'tenant', 'action', 'who', 'what', 'reason'), ACCESS.map((r) => [r.tenant, r.action, r.who, r.what, r.reason]));
    assert.deepEqual(pick(await run('access_log', { tenant: 'acme' }), 'access_id'), [['a-1'], ['a-3']]);
    assert.deepEqual(pick(await run('access_log', { from: '2026-11-21' }), 'access_id'), [['a-3']]);
  });
  it('every shipped query is covered here', () => {
    const covered = ['mfa_coverage_by_user', 'mfa_coverage_by_app', 'failed_mfa_by_user', 'push_denials', 'bypass_code_use', 'factor_changes',
      'signins_without_mfa', 'signins_mfa_at_idp', 'signins_by_country', 'lockouts', 'daily_events_per_source', 'fraud_reports', 'alerts_raised', 'factor_mix',
      // The three audit questions have a seed of their own: test/unit/audit-queries.test.ts.
      'app_access', 'failed_signins_over_time', 'mfa_adherence', 'access_log'];
    assert.deepEqual([...queries.keys()].sort(), covered.sort());
  });
});
