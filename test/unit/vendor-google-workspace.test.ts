/**
 * Google Workspace (issue 10): a logout has no factor; the admin, user_accounts and token
 * applications are mapped (schema version 2) instead of ignored; `is_second_factor` and SAML
 * sign-ins decide `is_mfa`; fuzzing of the new shapes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { googleWorkspace as g } from '../../lambdas/sources/google-workspace/map.ts';
import { fixture } from '../helpers/fixtures.ts';

const events = (file: string): NormalizedFields[] => g.unwrap(fixture(`google_workspace/${file}`)).map((item) => {
  const r = g.normalize(item);
  assert.equal(r.kind, 'event', JSON.stringify(r));
  return (r as { event: NormalizedFields }).event;
});
const named = (file: string, name: string) => events(file).filter((e) => e.raw_event_type === name);

describe('Google login application', () => {
  it('a logout has no factor (login_type names how the session signed in)', () => {
    const [logout] = named('login-variants.json', 'logout');
    assert.deepEqual([logout!.category, logout!.factor, logout!.factor_raw], ['logout', null, null]);
  });
  it('is_second_factor decides: a 2SV security key is MFA, a "verify it\'s you" phone check is not', () => {
    const v = named('login-variants.json', 'login_verification');
    assert.deepEqual(v.map((e) => [e.category, e.is_mfa, e.factor]), [['mfa_verify', true, 'webauthn'], ['login', false, 'sms']]);
    const [success] = named('login-variants.json', 'login_success');
    assert.deepEqual([success!.is_mfa, success!.factor], [true, 'webauthn']);
  });
  it('a password-only sign-in is not MFA; a SAML sign-in is decided at the identity provider', () => {
    const s = named('login-variants.json', 'login_success');
    assert.deepEqual(s.slice(1).map((e) => [e.factor, e.is_mfa]), [['password', false], ['external_idp', null]]);
  });
  it('account warnings: a blocked suspicious login is a failed sign-in, a warning about a successful one is not counted again', () => {
    assert.deepEqual(named('login-variants.json', 'suspicious_login').map((e) => [e.category, e.outcome, e.risk_level]), [['login', 'failure', 'suspicious']]);
    assert.deepEqual(named('login-variants.json', 'suspicious_login_less_secure_app').map((e) => [e.category, e.is_mfa]), [['other', null]]);
    assert.deepEqual(named('login-variants.json', 'gov_attack_warning').map((e) => [e.category, e.risk_level]), [['other', 'government_backed_attack']]);
    assert.deepEqual(named('login-variants.json', 'account_disabled_hijacked').map((e) => e.category), ['lockout']);
  });
});

describe('Google user_accounts, admin and token applications (were ignored)', () => {
  it('a user\'s own 2SV, password and recovery changes', () => {
    assert.deepEqual(events('user-accounts-page.json').map((e) => [e.raw_event_type, e.category, e.factor, e.actor_login]), [
      ['2sv_disable', 'factor_remove', null, null], ['2sv_enroll', 'factor_enroll', null, null], ['password_edit', 'password_reset', 'password', null],
      ['recovery_phone_edit', 'factor_enroll', 'sms', null], ['recovery_secret_qa_edit', 'factor_enroll', 'security_question', null],
      ['titanium_enroll', 'factor_enroll', null, null], ['email_forwarding_out_of_domain', 'other', null, null],
    ]);
  });
  it('role assignments and super admin grants: the admin is the actor, USER_EMAIL the affected user', () => {
    const [assign] = named('admin-page.json', 'ASSIGN_ROLE');
    assert.deepEqual([assign!.category, assign!.change, assign!.target_type, assign!.target_id, assign!.target_name, assign!.user_email, assign!.actor_login],
      ['role_change', 'grant', 'role', '30000000000000001', '_HELP_DESK_ADMIN_ROLE', 'dana@example.com', 'admin@example.com']);
    assert.deepEqual(named('admin-page.json', 'REVOKE_ADMIN_PRIVILEGE').map((e) => [e.category, e.change, e.user_email]), [['role_change', 'revoke', 'dana@example.com']]);
  });
  it('2-step verification enforcement switched off is a policy deactivated; allowed methods and enrollment period are policy updates', () => {
    assert.deepEqual(named('admin-page.json', 'ENFORCE_STRONG_AUTHENTICATION').map((e) => [e.category, e.change, e.target_id, e.user_login]), [['policy_change', 'deactivate', '/Contractors', null]]);
    assert.deepEqual(events('admin-page.json').filter((e) => e.raw_event_type?.startsWith('CHANGE_') && e.category === 'policy_change').map((e) => e.change), ['update', 'update']);
  });
  it('an admin\'s password change, 2SV turned off and backup codes generated for a user', () => {
    assert.deepEqual(named('admin-page.json', 'CHANGE_PASSWORD').map((e) => [e.category, e.user_email, e.actor_login]), [['password_reset', 'carol@example.com', 'admin@example.com']]);
    assert.deepEqual(named('admin-page.json', 'TURN_OFF_2_STEP_VERIFICATION').map((e) => e.category), ['factor_remove']);
    assert.deepEqual(named('admin-page.json', 'GENERATE_2SV_SCRATCH_CODES').map((e) => [e.category, e.factor]), [['factor_enroll', 'bypass_code']]);
  });
  it('SSO settings are identity provider changes; domain-wide API access is a credential grant; other admin events stay admin', () => {
    assert.deepEqual(named('admin-page.json', 'TOGGLE_SSO_ENABLED').map((e) => [e.category, e.change]), [['idp_change', 'activate']]);
    assert.deepEqual(named('admin-page.json', 'CHANGE_SSO_SETTINGS').map((e) => e.category), ['idp_change']);
    assert.deepEqual(named('admin-page.json', 'AUTHORIZE_API_CLIENT_ACCESS').map((e) => [e.category, e.change, e.target_name]), [['credential_change', 'grant', '109876543210987654321']]);
    assert.deepEqual(named('admin-page.json', 'ALERT_CENTER_VIEW').map((e) => e.category), ['admin']);
  });
  it('an OAuth grant to a third-party app is a credential the user gave; its API-call log is other', () => {
    assert.deepEqual(events('token-page.json').map((e) => [e.category, e.change, e.app_name, e.user_email]), [
      ['credential_change', 'grant', 'Example Mail Helper', 'bob@example.com'], ['credential_change', 'revoke', 'Example Mail Helper', 'bob@example.com'],
    ]);
    const r = g.normalize({ id: { time: '2026-11-20T16:10:00.000Z', uniqueQualifier: '1', applicationName: 'token' }, actor: { email: 'bob@example.com' }, events: [{ type: 'activity', name: 'activity' }] });
    assert.deepEqual(r.kind === 'event' && [r.event.category, r.event.raw_event_type], ['other', 'activity']);
  });
  it('a watch notification carries one activity; applications without auth events are not stored', () => {
    assert.equal(events('watch-admin.json')[0]!.category, 'role_change');
    assert.equal(g.normalize({ id: { time: '2026-11-20T16:10:00.000Z', uniqueQualifier: '1', applicationName: 'drive' }, events: [{ name: 'edit' }] }).kind, 'ignore');
  });
});

describe('Google new shapes, fuzzed', () => {
  const samples = ['login-variants.json', 'user-accounts-page.json', 'admin-page.json', 'token-page.json'].flatMap((f) => g.unwrap(fixture(`google_workspace/${f}`))) as Record<string, unknown>[];
  const complete = (e: NormalizedFields) => ({ tenant: 't', source_id: 's', source: 'google_workspace', ingest_time: '2026-11-21T00:00:00.000Z', ...e });
  const param = fc.record({ name: fc.constantFrom('USER_EMAIL', 'NEW_VALUE', 'ROLE_NAME', 'login_challenge_method', 'is_second_factor', 'login_timestamp', 'client_id', 'x'), value: fc.option(fc.string(), { nil: undefined }), boolValue: fc.option(fc.boolean(), { nil: undefined }), multiValue: fc.option(fc.array(fc.string()), { nil: undefined }) });
  it('normalize never throws; a result is a valid AuthEvent or a reason', () => {
    const mutated = fc.record({ base: fc.constantFrom(...samples), name: fc.constantFrom('ASSIGN_ROLE', 'ENFORCE_STRONG_AUTHENTICATION', 'TOGGLE_SSO_ENABLED', 'authorize', 'logout', 'login_verification', 'suspicious_login', 'CREATE_SAML_PROFILE', 'x'), app: fc.constantFrom('login', 'admin', 'token', 'user_accounts', null, 'drive'), params: fc.array(param, { maxLength: 4 }) })
      .map(({ base, name, app, params }) => {
        const c = structuredClone(base) as { id: Record<string, unknown>; events: Record<string, unknown>[] };
        c.id['applicationName'] = app;
        c.events = [{ name, parameters: params }];
        return c;
      });
    fc.assert(fc.property(fc.oneof(mutated, fc.jsonValue()), (input) => {
      for (const item of g.unwrap(input)) {
        const r = g.normalize(item);
        if (r.kind === 'event') assert.ok(AuthEvent.safeParse(complete(r.event)).success, JSON.stringify(r.event));
        else assert.ok(r.reason.length > 0);
      }
    }), { numRuns: 2000 });
  });
});
