/**
 * Duo (issue 10): sign-ins Duo allowed without a second factor are not MFA, policy denials are
 * not failed second factors, the administrator log is mapped (schema version 2), the v1
 * telephony shape is kept; fuzzing of the new shapes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { duo } from '../../lambdas/sources/duo/map.ts';
import { fixture } from '../helpers/fixtures.ts';

const events = (file: string) => {
  const out = new Map<string, NormalizedFields>();
  for (const item of duo.unwrap(fixture(`duo/${file}`))) {
    const r = duo.normalize(item);
    assert.equal(r.kind, 'event', JSON.stringify(r));
    if (r.kind === 'event') out.set(r.event.event_uid, r.event);
  }
  return out;
};
const auth = (n: number) => events('authlogs-v2-variants.json').get(`4b1c7c7a-00${n}-4000-8000-0000000000${n}`)!;
const adminLog = () => [...events('administrator-log.json').values()];
const byAction = (action: string) => adminLog().filter((e) => e.raw_event_type === action);

describe('Duo authentication log: is_mfa for every result and reason', () => {
  it('a sign-in allowed because the user is unenrolled, bypassed, on a trusted network or let through by policy did not perform MFA', () => {
    for (const [n, reason, category] of [[11, 'allow_unenrolled_user', 'login'], [12, 'bypass_user', 'mfa_bypass'], [13, 'trusted_network', 'login'], [22, 'allowed_by_policy', 'login'], [23, 'allow_unenrolled_user_on_trusted_network', 'login']] as const) {
      const e = auth(n);
      assert.deepEqual([e.reason, e.outcome, e.is_mfa, e.category], [reason, 'success', false, category], reason);
    }
    assert.equal(auth(13).factor, null, 'a trusted network is not a factor');
  });
  it('a remembered device carries an earlier 2FA (counted as MFA, like an MFA claim)', () => {
    assert.deepEqual([auth(14).category, auth(14).is_mfa, auth(14).factor], ['mfa_verify', true, 'remembered_device']);
  });
  it('denials decided before any second factor are failed sign-ins without MFA, whatever factor is named', () => {
    for (const n of [15, 16, 24]) assert.deepEqual([auth(n).category, auth(n).outcome, auth(n).is_mfa], ['login', 'failure', false], String(n));
  });
  it('anonymous_ip marks the client an anonymizer', () => {
    assert.equal(auth(16).anonymizer, true);
    assert.equal(auth(10).anonymizer, null, 'Duo says nothing about other clients');
  });
  it('second factors performed, failed and errored stay MFA; verified push is push', () => {
    assert.deepEqual([auth(10).factor, auth(10).is_mfa], ['push', true]);
    assert.deepEqual([auth(18).outcome, auth(18).is_mfa, auth(18).factor], ['failure', true, 'sms']);
    assert.deepEqual([auth(19).outcome, auth(19).is_mfa], ['error', true]);
    assert.deepEqual([auth(25).category, auth(25).is_mfa], ['factor_enroll', false]);
  });
});

describe('Duo administrator log (was not collected)', () => {
  it('the v1 envelope ({"stat":"OK","response":[…]}) is unwrapped, every entry stored with a stable id', () => {
    const body = fixture<{ response: unknown[] }>('duo/administrator-log.json');
    assert.equal(duo.unwrap(body).length, body.response.length);
    const a = adminLog().map((e) => e.event_uid);
    assert.deepEqual(a, adminLog().map((e) => e.event_uid));
    assert.equal(new Set(a).size, a.length);
  });
  it('admins created, re-roled and deleted are role changes by the acting admin', () => {
    const [created] = byAction('admin_create');
    assert.deepEqual([created!.category, created!.change, created!.target_type, created!.target_name, created!.user_login, created!.user_email, created!.actor_login],
      ['role_change', 'grant', 'role', 'Owner', 'Nora Admin', 'nora.admin@example.com', 'Owner Admin']);
    assert.deepEqual([byAction('admin_update')[0]!.category, byAction('admin_update')[0]!.target_name], ['role_change', 'Help Desk']);
    assert.deepEqual([byAction('admin_delete')[0]!.category, byAction('admin_delete')[0]!.change], ['role_change', 'revoke']);
  });
  it('a bypass code issued to a user is a factor enrolled by the admin; viewing codes changes nothing', () => {
    const [b] = byAction('bypass_create');
    assert.deepEqual([b!.category, b!.factor, b!.change, b!.user_login, b!.user_id, b!.actor_login, b!.is_mfa], ['factor_enroll', 'bypass_code', 'create', 'carol', 'DUUSERKEY00000000003', 'Helpdesk Admin', false]);
    assert.equal(byAction('bypass_view')[0]!.category, 'admin');
  });
  it('policies, integrations (key pairs), SSO, a user put in bypass status', () => {
    assert.deepEqual(byAction('policy_update').map((e) => [e.category, e.change, e.target_type, e.target_name]), [['policy_change', 'update', 'policy', 'Global Policy']]);
    assert.deepEqual(byAction('integration_create').map((e) => [e.category, e.change, e.target_name]), [['credential_change', 'create', 'Admin API']]);
    assert.deepEqual(byAction('admin_single_sign_on_update').map((e) => e.category), ['idp_change']);
    const statuses = byAction('user_update').map((e) => [e.user_login, e.category, e.change]);
    assert.deepEqual(statuses, [['hank', 'policy_change', 'deactivate'], ['dave', 'admin', 'update']]);
  });
  it('an admin\'s own sign-in, failed password, failed 2FA and lockout have the admin as subject', () => {
    const [login] = byAction('admin_login');
    assert.deepEqual([login!.category, login!.outcome, login!.is_mfa, login!.factor, login!.user_login, login!.actor_login, login!.src_ip], ['login', 'success', true, 'push', 'Helpdesk Admin', null, '198.51.100.80']);
    assert.deepEqual([byAction('admin_login_error')[0]!.outcome, byAction('admin_login_error')[0]!.is_mfa], ['failure', false]);
    assert.deepEqual([byAction('admin_2fa_error')[0]!.category, byAction('admin_2fa_error')[0]!.is_mfa], ['mfa_verify', true]);
    assert.equal(byAction('admin_lockout')[0]!.category, 'lockout');
  });
  it('an action not known here is kept as other with its raw type', () => {
    assert.deepEqual(byAction('ad_sync_begin').map((e) => [e.category, e.outcome, e.actor_login]), [['other', 'unknown', 'AD Sync: corp.example.com']]);
  });
});

describe('Duo telephony log', () => {
  it('the v1 shape (no telephony_id, timestamp in seconds) is kept with a derived id; administrator-login texts are prompts', () => {
    const v1 = [...events('telephony-v1.json').values()];
    assert.deepEqual(v1.map((e) => [e.category, e.event_time]), [['mfa_challenge', '2026-11-20T15:00:00.000Z'], ['other', '2026-11-20T15:01:00.000Z'], ['mfa_challenge', '2026-11-20T15:02:00.000Z']]);
    assert.ok(v1.every((e) => e.event_uid.startsWith('duo-telephony:')));
    assert.equal(events('telephony-v2-admin.json').get('7e1a0c00-0004-4000-8000-000000000004')!.outcome, 'challenge');
  });
});

describe('Duo new shapes, fuzzed', () => {
  const samples = [
    ...fixture<{ response: Record<string, unknown>[] }>('duo/administrator-log.json').response,
    ...fixture<{ response: Record<string, unknown>[] }>('duo/telephony-v1.json').response,
    ...fixture<{ response: { authlogs: Record<string, unknown>[] } }>('duo/authlogs-v2-variants.json').response.authlogs,
  ];
  const complete = (e: NormalizedFields) => ({ tenant: 't', source_id: 's', source: 'duo', ingest_time: '2026-11-21T00:00:00.000Z', ...e });
  it('normalize never throws; a result is a valid AuthEvent or a reason', () => {
    const keys = [...new Set(samples.flatMap((s) => Object.keys(s)))];
    const mutated = fc.record({ base: fc.constantFrom(...samples), key: fc.constantFrom(...keys), value: fc.jsonValue() })
      .map(({ base, key, value }) => ({ ...structuredClone(base), [key]: value }));
    fc.assert(fc.property(fc.oneof(mutated, fc.jsonValue()), (input) => {
      for (const item of duo.unwrap(input)) {
        const r = duo.normalize(item);
        if (r.kind === 'event') assert.ok(AuthEvent.safeParse(complete(r.event)).success, JSON.stringify(r.event));
        else assert.ok(r.reason.length > 0);
      }
    }), { numRuns: 2000 });
  });
});
