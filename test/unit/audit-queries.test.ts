/**
 * The three audit questions (`app_access`, `failed_signins_over_time`, `mfa_adherence`) run by
 * DuckDB over a seeded archive written by the real Parquet writer. Every expected row below is
 * computed by hand from SEED (the comments say how); the last tests check that these queries and
 * the coverage / failure queries count the same events the same way.
 *
 * 2026-11-22 is a Sunday: o07 (its last millisecond) and o08 (Monday 00:00) fall in different
 * ISO weeks (2026-11-16 and 2026-11-23).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveKey, groupByPartition } from '../../lambdas/core/archive.ts';
import { QueryParamError, renderNamedQuery } from '../../lambdas/core/named-queries.ts';
import { eventsToParquet } from '../../lambdas/core/parquet.ts';
import { loadNamedQueries } from '../../infra/queries.ts';
import { openArchiveDb, runSql } from '../../local/archive-db.ts';
import { ev } from '../helpers/events.ts';

const n = { source_id: 'acme-entra', source: 'entra' as const };
const g = { tenant: 'globex', source_id: 'globex-okta' };
const SEED = [
  // acme-okta: alice's password step, then her push (one sign-in, two events, as Okta logs it).
  ev({ event_uid: 'o01', event_time: '2026-11-20T08:00:00.000Z', category: 'login', outcome: 'success', is_mfa: false, factor: 'password', user_email: 'alice@example.com', app_name: 'Payroll', geo_country: 'DE', src_ip: '198.51.100.1' }),
  ev({ event_uid: 'o02', event_time: '2026-11-20T08:00:05.000Z', category: 'mfa_verify', outcome: 'success', is_mfa: true, factor: 'push', user_email: 'alice@example.com', app_name: 'Payroll', geo_country: 'DE', src_ip: '198.51.100.1' }),
  // bob: a wrong password, a denied push and a failed push (no application named), then a TOTP.
  ev({ event_uid: 'o03', event_time: '2026-11-21T09:00:00.000Z', category: 'login', outcome: 'failure', is_mfa: false, factor: 'password', user_email: 'bob@example.com', app_name: 'Payroll', geo_country: 'US', src_ip: '203.0.113.5' }),
  ev({ event_uid: 'o04', event_time: '2026-11-21T09:01:00.000Z', category: 'mfa_verify', outcome: 'denied', is_mfa: true, factor: 'push', user_email: 'bob@example.com', geo_country: 'US', src_ip: '203.0.113.5' }),
  ev({ event_uid: 'o05', event_time: '2026-11-21T09:02:00.000Z', category: 'mfa_verify', outcome: 'failure', is_mfa: true, factor: 'push', user_email: 'bob@example.com' }),
  ev({ event_uid: 'o06', event_time: '2026-11-21T09:03:00.000Z', category: 'mfa_verify', outcome: 'success', is_mfa: true, factor: 'totp', user_email: 'bob@example.com', app_name: 'Payroll', geo_country: 'US', src_ip: '203.0.113.5' }),
  // carol: a bypass code accepted on Sunday's last millisecond, one refused on Monday at midnight.
  ev({ event_uid: 'o07', event_time: '2026-11-22T23:59:59.999Z', category: 'mfa_bypass', outcome: 'success', is_mfa: true, factor: 'bypass_code', user_email: 'carol@example.com', app_name: 'Payroll', geo_country: 'GB', src_ip: '192.0.2.7' }),
  ev({ event_uid: 'o08', event_time: '2026-11-23T00:00:00.000Z', category: 'mfa_bypass', outcome: 'failure', is_mfa: true, factor: 'bypass_code', user_email: 'carol@example.com', app_name: 'Payroll', geo_country: 'GB', src_ip: '192.0.2.7' }),
  ev({ event_uid: 'o09', event_time: '2026-11-23T10:00:00.000Z', category: 'login', outcome: 'failure', is_mfa: false, factor: 'password', user_login: 'dave', app_name: 'Wiki' }),
  // alice reports a push as fraud; a prompt sent (never a failure); a vendor error (not the user's failure).
  ev({ event_uid: 'o10', event_time: '2026-11-23T10:05:00.000Z', category: 'mfa_verify', outcome: 'fraud', is_mfa: true, factor: 'push', user_email: 'alice@example.com' }),
  ev({ event_uid: 'o11', event_time: '2026-11-23T10:06:00.000Z', category: 'mfa_challenge', outcome: 'challenge', is_mfa: true, factor: 'push', user_email: 'alice@example.com' }),
  ev({ event_uid: 'o12', event_time: '2026-11-24T07:00:00.000Z', category: 'mfa_verify', outcome: 'error', is_mfa: true, factor: 'push', user_email: 'alice@example.com' }),
  // acme-entra: alice by SMS (application named and with an id), erin federated (MFA at her
  // identity provider) and once failing, frank without MFA and unknown, gary let through by a
  // bypass status (no second factor at all).
  ev({ ...n, event_uid: 'n01', event_time: '2026-11-20T12:00:00.000Z', category: 'login', outcome: 'success', is_mfa: true, factor: 'sms', user_email: 'alice@example.com', app_name: 'Payroll', app_id: 'a1b2', geo_country: 'NL', src_ip: '192.0.2.44' }),
  ev({ ...n, event_uid: 'n02', event_time: '2026-11-22T12:00:00.000Z', category: 'login', outcome: 'success', is_mfa: null, factor: 'external_idp', user_email: 'erin@example.com', app_name: 'AWS Console', geo_country: 'US', src_ip: '198.51.100.20' }),
  ev({ ...n, event_uid: 'n03', event_time: '2026-11-22T13:00:00.000Z', category: 'login', outcome: 'failure', is_mfa: false, user_email: 'erin@example.com', app_name: 'AWS Console' }),
  ev({ ...n, event_uid: 'n04', event_time: '2026-11-24T08:00:00.000Z', category: 'sso', outcome: 'success', is_mfa: false, user_email: 'frank@example.com', app_name: 'Wiki', geo_country: 'FR', src_ip: '198.51.100.9' }),
  ev({ ...n, event_uid: 'n05', event_time: '2026-11-24T08:30:00.000Z', category: 'login', outcome: 'success', is_mfa: null, user_email: 'frank@example.com', app_name: 'Wiki' }),
  ev({ ...n, event_uid: 'n06', event_time: '2026-11-24T09:00:00.000Z', category: 'mfa_bypass', outcome: 'success', is_mfa: false, user_email: 'gary@example.com', app_name: 'Wiki' }),
  // Another tenant: never in an acme answer.
  ev({ ...g, event_uid: 'g01', event_time: '2026-11-21T10:00:00.000Z', category: 'login', outcome: 'failure', is_mfa: false, user_email: 'gina@example.org', app_name: 'Payroll' }),
  ev({ ...g, event_uid: 'g02', event_time: '2026-11-21T10:01:00.000Z', category: 'login', outcome: 'success', is_mfa: true, factor: 'push', user_email: 'gina@example.org', app_name: 'Payroll', geo_country: 'FR' }),
  ev({ ...g, event_uid: 'g03', event_time: '2026-11-21T10:02:00.000Z', category: 'mfa_verify', outcome: 'denied', is_mfa: true, factor: 'push', user_email: 'gina@example.org' }),
];

describe('the three audit questions over a seeded archive (DuckDB)', () => {
  let db: Awaited<ReturnType<typeof openArchiveDb>>;
  let dir: string;
  const queries = new Map(loadNamedQueries().map((q) => [q.name, q]));
  const run = (name: string, params: Record<string, string> = {}) => runSql(db.connection, renderNamedQuery(queries.get(name)!, params));
  const pick = (rows: Record<string, unknown>[], ...cols: string[]) => rows.map((r) => cols.map((c) => r[c]));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'authtrail-audit-'));
    for (const p of groupByPartition(SEED).values()) {
      mkdirSync(join(dir, 'events', `tenant=${p.tenant}`, `dt=${p.dt}`), { recursive: true });
      writeFileSync(join(dir, archiveKey(p.tenant, p.dt, 'part-seed')), eventsToParquet(p.events));
    }
    db = await openArchiveDb(dir);
  });
  after(() => { db?.close(); rmSync(dir, { recursive: true, force: true }); });

  describe('app_access', () => {
    const cols = ['tenant', 'app', 'user_name', 'sign_ins', 'first_sign_in', 'last_sign_in', 'with_mfa', 'without_mfa', 'mfa_at_idp', 'mfa_unknown', 'factors', 'countries', 'src_ips'];
    it('one row per application and user: the sign-ins of the coverage queries, how and from where', async () => {
      assert.deepEqual(pick(await run('app_access'), ...cols), [
        // n02: federated, so MFA at the identity provider.
        ['acme', 'AWS Console', 'erin@example.com', 1, '2026-11-22T12:00:00.000Z', '2026-11-22T12:00:00.000Z', 0, 0, 1, 0, ['external_idp'], ['US'], ['198.51.100.20']],
        // o01 (password step), o02 (push), n01 (SMS, the other source).
        ['acme', 'Payroll', 'alice@example.com', 3, '2026-11-20T08:00:00.000Z', '2026-11-20T12:00:00.000Z', 2, 1, 0, 0, ['password', 'push', 'sms'], ['DE', 'NL'], ['192.0.2.44', '198.51.100.1']],
        // o06 only: o03 failed, o04/o05 failed and name no application.
        ['acme', 'Payroll', 'bob@example.com', 1, '2026-11-21T09:03:00.000Z', '2026-11-21T09:03:00.000Z', 1, 0, 0, 0, ['totp'], ['US'], ['203.0.113.5']],
        // o07: a bypass code lets a user in and counts as MFA; o08 was refused.
        ['acme', 'Payroll', 'carol@example.com', 1, '2026-11-22T23:59:59.999Z', '2026-11-22T23:59:59.999Z', 1, 0, 0, 0, ['bypass_code'], ['GB'], ['192.0.2.7']],
        // n04 without MFA, n05 unknown; neither names a factor, n05 no place.
        ['acme', 'Wiki', 'frank@example.com', 2, '2026-11-24T08:00:00.000Z', '2026-11-24T08:30:00.000Z', 0, 1, 0, 1, [], ['FR'], ['198.51.100.9']],
        // n06: let in by a bypass status, without any second factor. dave (o09) never got in.
        ['acme', 'Wiki', 'gary@example.com', 1, '2026-11-24T09:00:00.000Z', '2026-11-24T09:00:00.000Z', 0, 1, 0, 0, [], [], []],
        ['globex', 'Payroll', 'gina@example.org', 1, '2026-11-21T10:01:00.000Z', '2026-11-21T10:01:00.000Z', 1, 0, 0, 0, ['push'], ['FR'], []],
      ]);
    });
    it('filters by application name or id and by user, in any case, and by tenant and days', async () => {
      assert.deepEqual(pick(await run('app_access', { tenant: 'acme', app: 'payroll' }), 'user_name', 'sign_ins'),
        [['alice@example.com', 3], ['bob@example.com', 1], ['carol@example.com', 1]]);
      // Only n01 carries the application id.
      assert.deepEqual(pick(await run('app_access', { app: 'A1B2' }), 'app', 'user_name', 'sign_ins', 'factors'), [['Payroll', 'alice@example.com', 1, ['sms']]]);
      assert.deepEqual(pick(await run('app_access', { user: 'ALICE@example.com' }), 'app', 'sign_ins'), [['Payroll', 3]]);
      assert.deepEqual(pick(await run('app_access', { user: 'dave' }), 'app'), []);
      assert.deepEqual(pick(await run('app_access', { from: '2026-11-21', to: '2026-11-22' }), 'tenant', 'user_name'),
        [['acme', 'erin@example.com'], ['acme', 'bob@example.com'], ['acme', 'carol@example.com'], ['globex', 'gina@example.org']]);
      assert.deepEqual(pick(await run('app_access', { tenant: 'globex' }), 'user_name'), [['gina@example.org']]);
    });
  });

  describe('failed_signins_over_time', () => {
    const cols = ['tenant', 'source_id', 'source', 'period_start', 'events', 'failed_sign_ins', 'mfa_failures', 'mfa_denials', 'bypass_failures', 'users_failing'];
    it('per day and source; a day the source delivered without failures is a zero', async () => {
      assert.deepEqual(pick(await run('failed_signins_over_time'), ...cols), [
        ['acme', 'acme-entra', 'entra', '2026-11-20', 1, 0, 0, 0, 0, 0],
        ['acme', 'acme-entra', 'entra', '2026-11-22', 2, 1, 0, 0, 0, 1], // n03
        ['acme', 'acme-entra', 'entra', '2026-11-24', 3, 0, 0, 0, 0, 0],
        ['acme', 'acme-okta', 'okta', '2026-11-20', 2, 0, 0, 0, 0, 0],
        ['acme', 'acme-okta', 'okta', '2026-11-21', 4, 1, 1, 1, 0, 1], // o03, o05, o04: all bob
        ['acme', 'acme-okta', 'okta', '2026-11-22', 1, 0, 0, 0, 0, 0],
        ['acme', 'acme-okta', 'okta', '2026-11-23', 4, 1, 0, 0, 1, 2], // o09 dave, o08 carol; o10 fraud and o11 prompt are no failures
        ['acme', 'acme-okta', 'okta', '2026-11-24', 1, 0, 0, 0, 0, 0], // o12: a vendor error
        ['globex', 'globex-okta', 'okta', '2026-11-21', 3, 1, 0, 1, 0, 1],
      ]);
    });
    it('per ISO week (Monday): Sunday 23:59:59.999 and Monday 00:00 fall in different weeks', async () => {
      assert.deepEqual(pick(await run('failed_signins_over_time', { granularity: 'week' }), ...cols), [
        ['acme', 'acme-entra', 'entra', '2026-11-16', 3, 1, 0, 0, 0, 1],
        ['acme', 'acme-entra', 'entra', '2026-11-23', 3, 0, 0, 0, 0, 0],
        ['acme', 'acme-okta', 'okta', '2026-11-16', 7, 1, 1, 1, 0, 1], // o01–o07
        ['acme', 'acme-okta', 'okta', '2026-11-23', 5, 1, 0, 0, 1, 2], // o08–o12
        ['globex', 'globex-okta', 'okta', '2026-11-16', 3, 1, 0, 1, 0, 1],
      ]);
      // A week reaching before `from` starts on its Monday, but counts only the days asked for.
      assert.deepEqual(pick(await run('failed_signins_over_time', { tenant: 'acme', granularity: 'week', from: '2026-11-22', to: '2026-11-22' }), 'source_id', 'period_start', 'events'),
        [['acme-entra', '2026-11-16', 2], ['acme-okta', '2026-11-16', 1]]);
    });
    it('takes only day or week as granularity', () => {
      const q = queries.get('failed_signins_over_time')!;
      assert.deepEqual(q.params.find((p) => p.name === 'granularity')?.choices, ['day', 'week']);
      assert.throws(() => renderNamedQuery(q, { granularity: 'month' }), (e: Error) => e instanceof QueryParamError && /expected one of day, week/.test(e.message));
      assert.throws(() => renderNamedQuery(q, { granularity: 'DAY' }), QueryParamError);
      assert.throws(() => renderNamedQuery(q, { granularity: "day', event_time) --" }), QueryParamError);
    });
  });

  describe('mfa_adherence', () => {
    const cols = ['tenant', 'user_name', 'required', 'completed', 'bypassed', 'failed', 'denied', 'fraud', 'bypass_failed', 'completed_percent', 'without_mfa', 'mfa_at_idp', 'mfa_unknown', 'first_event_time', 'last_event_time'];
    it('per user: what ended each required MFA step, lowest completion first', async () => {
      assert.deepEqual(pick(await run('mfa_adherence'), ...cols), [
        // o07 bypassed, o08 a refused bypass code.
        ['acme', 'carol@example.com', 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, '2026-11-22T23:59:59.999Z', '2026-11-23T00:00:00.000Z'],
        // n06: let in by a bypass status: bypassed, and a sign-in without MFA.
        ['acme', 'gary@example.com', 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, '2026-11-24T09:00:00.000Z', '2026-11-24T09:00:00.000Z'],
        // o06 completed, o05 failed, o04 denied (o03, a wrong password, is no MFA step).
        ['acme', 'bob@example.com', 3, 1, 0, 1, 1, 0, 0, 33.3, 0, 0, 0, '2026-11-21T09:01:00.000Z', '2026-11-21T09:03:00.000Z'],
        ['globex', 'gina@example.org', 2, 1, 0, 0, 1, 0, 0, 50, 0, 0, 0, '2026-11-21T10:01:00.000Z', '2026-11-21T10:02:00.000Z'],
        // o02 and n01 completed, o10 reported as fraud; o01 (password step) without MFA; o11 (a prompt) and o12 (an error) end nothing.
        ['acme', 'alice@example.com', 3, 2, 0, 0, 0, 1, 0, 66.7, 1, 0, 0, '2026-11-20T08:00:00.000Z', '2026-11-23T10:05:00.000Z'],
        // No MFA step observed: federated (n02; n03 failed before any) and frank's n04, n05.
        ['acme', 'erin@example.com', 0, 0, 0, 0, 0, 0, 0, null, 0, 1, 0, '2026-11-22T12:00:00.000Z', '2026-11-22T12:00:00.000Z'],
        ['acme', 'frank@example.com', 0, 0, 0, 0, 0, 0, 0, null, 1, 0, 1, '2026-11-24T08:00:00.000Z', '2026-11-24T08:30:00.000Z'],
      ]);
    });
    it('for one application: only the events that name it (bob\'s push failures name none)', async () => {
      assert.deepEqual(pick(await run('mfa_adherence', { tenant: 'acme', app: 'PAYROLL' }), 'user_name', 'required', 'completed', 'failed', 'denied', 'bypass_failed', 'completed_percent', 'without_mfa'), [
        ['carol@example.com', 2, 0, 0, 0, 1, 0, 0], ['alice@example.com', 2, 2, 0, 0, 0, 100, 1], ['bob@example.com', 1, 1, 0, 0, 0, 100, 0],
      ]);
      assert.deepEqual(pick(await run('mfa_adherence', { from: '2026-11-23', to: '2026-11-23' }), 'user_name', 'required', 'fraud', 'bypass_failed'),
        [['alice@example.com', 1, 1, 0], ['carol@example.com', 1, 0, 1]]);
    });
  });

  describe('agree with the other queries on the same archive', () => {
    const byKey = (rows: Record<string, unknown>[], ...keys: string[]) => new Map(rows.map((r) => [keys.map((k) => r[k]).join('|'), r]));
    it('app_access summed per application is mfa_coverage_by_app', async () => {
      const coverage = byKey(await run('mfa_coverage_by_app'), 'tenant', 'app');
      const sums = new Map<string, Record<string, number>>();
      for (const r of await run('app_access')) {
        const k = `${String(r['tenant'])}|${String(r['app'])}`;
        const s = sums.get(k) ?? { sign_ins: 0, with_mfa: 0, without_mfa: 0, mfa_at_idp: 0, mfa_unknown: 0 };
        for (const c of Object.keys(s)) s[c]! += r[c] as number;
        sums.set(k, s);
      }
      assert.deepEqual([...sums.keys()].sort(), [...coverage.keys()].sort());
      for (const [k, s] of sums) for (const [c, v] of Object.entries(s)) assert.equal(v, coverage.get(k)![c], `${k} ${c}`);
    });
    it('mfa_adherence: the sign-in split is mfa_coverage_by_user\'s, and with_mfa = completed + bypass codes used', async () => {
      const coverage = byKey(await run('mfa_coverage_by_user'), 'tenant', 'user_name');
      const adherence = await run('mfa_adherence');
      const signedIn = adherence.filter((r) => coverage.has(`${String(r['tenant'])}|${String(r['user_name'])}`));
      assert.equal(signedIn.length, coverage.size);
      const bypassCodes: Record<string, number> = { 'acme|carol@example.com': 1 }; // o07
      for (const r of signedIn) {
        const k = `${String(r['tenant'])}|${String(r['user_name'])}`;
        const c = coverage.get(k)!;
        for (const col of ['without_mfa', 'mfa_at_idp', 'mfa_unknown']) assert.equal(r[col], c[col], `${k} ${col}`);
        assert.equal(c['with_mfa'], (r['completed'] as number) + (bypassCodes[k] ?? 0), k);
      }
    });
    it('failed and denied MFA are failed_mfa_by_user\'s, per user and summed over the days', async () => {
      const failedMfa = await run('failed_mfa_by_user');
      const adherence = byKey(await run('mfa_adherence'), 'tenant', 'user_name');
      assert.ok(failedMfa.length >= 2);
      for (const f of failedMfa) {
        const a = adherence.get(`${String(f['tenant'])}|${String(f['user_name'])}`)!;
        assert.deepEqual([a['failed'], a['denied']], [f['failed'], f['denied']]);
      }
      const days = await run('failed_signins_over_time');
      const total = (rows: Record<string, unknown>[], col: string) => rows.reduce((s, r) => s + (r[col] as number), 0);
      assert.deepEqual([total(days, 'mfa_failures'), total(days, 'mfa_denials')], [total(failedMfa, 'failed'), total(failedMfa, 'denied')]);
    });
  });
});
