/**
 * Auth0 (issue 10): log types that auditors' numbers depend on (Guardian MFA, token exchanges
 * with an MFA challenge, first-factor Guardian use, social sign-ins, password changes, blocks),
 * Management API operations as schema version 2 with the caller as actor, and every delivery
 * (log stream JSON array / JSON Lines / JSON object, EventBridge, Management API logs page).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseText } from '../../lambdas/core/body.ts';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { auth0, managementApiChange } from '../../lambdas/sources/auth0/map.ts';
import { fixture, normalizedEvents } from '../helpers/fixtures.ts';

const eventsOf = (payload: unknown): NormalizedFields[] => normalizedEvents(auth0, payload);
const lid = (n: number) => `90020261121${String(n).padStart(2, '0')}`.padEnd(54, '0') + String(n).padStart(2, '0');
const api = new Map(eventsOf(fixture('auth0/management-api-page.json')).map((e) => [e.event_uid, e]));
const stream = new Map(eventsOf(fixture('auth0/log-stream-mfa.json')).map((e) => [e.event_uid, e]));
const a = (n: number) => api.get(lid(n))!;
const s = (n: number) => stream.get(lid(n))!;
const ADMIN = 'auth0|ad0000000000000000000009';

describe('auth0 deliveries', () => {
  it('log stream JSON Lines: one {log_id, data} per line, read like the JSON array', () => {
    const lines = fixture<unknown[]>('auth0/log-stream-mfa.json').slice(0, 3).map((l) => JSON.stringify(l)).join('\n');
    const parsed = parseText(lines);
    assert.ok(parsed.ok && parsed.ndjson);
    assert.deepEqual(eventsOf(parsed.ok ? parsed.payload : null), [s(21), s(22), s(23)]);
  });
  it('log stream JSON Object (one {log_id, data}) and a flat Management API log are read', () => {
    const one = fixture<unknown[]>('auth0/log-stream-mfa.json')[0];
    assert.deepEqual(eventsOf(one), [s(21)]);
    assert.equal(api.size, 17);
  });
  it('EventBridge: the log is the event\'s detail', () => {
    assert.equal(eventsOf(fixture('auth0/eventbridge.json'))[0]!.category, 'factor_reset');
  });
});

describe('auth0 MFA labels', () => {
  it('a Guardian authenticator used as the first factor is a sign-in without MFA, not an MFA verification', () => {
    assert.deepEqual([s(28).category, s(28).is_mfa, s(28).factor], ['login', false, 'email']);
    assert.deepEqual([s(27).category, s(27).is_mfa, s(27).factor], ['mfa_verify', true, 'totp']);
  });
  it('a social sign-in without an Auth0 MFA prompt is decided at that provider: external_idp, null', () => {
    assert.deepEqual([s(21).factor, s(21).is_mfa], ['external_idp', null]);
  });
  it('database and passwordless sign-ins without an MFA prompt are single-factor', () => {
    assert.deepEqual([s(22).factor, s(22).is_mfa], ['password', false]);
    assert.deepEqual([s(23).factor, s(23).is_mfa], ['email', false]);
  });
  it('a token exchange with an OTP challenge is an MFA verification', () => {
    assert.deepEqual([s(32).category, s(32).outcome, s(32).is_mfa, s(32).factor], ['mfa_verify', 'success', true, 'totp']);
  });
  it('Adaptive MFA\'s confidence is the risk level', () => {
    assert.equal(s(22).risk_level, 'low');
    assert.equal(s(24).risk_level, 'medium');
  });
  it('password changes and change requests are password resets; a leaked password is a failed sign-in', () => {
    assert.deepEqual([s(33).category, s(34).category], ['password_reset', 'password_reset']);
    assert.deepEqual([s(36).category, s(36).outcome, s(36).factor, s(36).risk_level], ['login', 'failure', 'password', 'leaked_password']);
  });
});

describe('auth0 Management API operations (sapi / fapi) as schema version 2', () => {
  const v2 = (e: NormalizedFields) => [e.category, e.change, e.target_type, e.target_id, e.user_id, e.actor_id];
  it('roles assigned to or removed from a user, either way round; the caller is the actor, never the user', () => {
    assert.deepEqual(v2(a(1)), ['role_change', 'grant', 'role', 'rol_AdminRole00001', 'auth0|110000000000000000000011', ADMIN]);
    assert.deepEqual(v2(a(2)), ['role_change', 'revoke', 'role', 'rol_AdminRole00001,rol_Auditor0000002', 'auth0|120000000000000000000012', ADMIN]);
    assert.deepEqual(v2(a(3)), ['role_change', 'grant', 'role', 'rol_AdminRole00001', 'auth0|130000000000000000000013', ADMIN]);
    assert.deepEqual([a(15).category, a(15).outcome, a(15).reason], ['role_change', 'failure', 'Insufficient scope, expected any of: create:role_members']);
  });
  it('client secrets, new machine-to-machine clients and client grants are API credentials', () => {
    assert.deepEqual(v2(a(4)), ['credential_change', 'create', 'app', 'cl1entIdBillingSync0001', null, ADMIN]);
    assert.deepEqual(v2(a(5)), ['credential_change', 'create', 'app', 'cl1entIdReportingJob001', null, ADMIN]);
    assert.deepEqual(v2(a(6)), ['credential_change', 'create', 'app', 'cl1entIdReportingJob001', null, ADMIN]);
    // Called by a machine-to-machine client: the client is the actor.
    assert.deepEqual([a(16).actor_id, a(16).actor_login], ['cl1entIdDeployBot000001', 'Deploy Bot']);
  });
  it('connections, Guardian factors and policies, attack protection', () => {
    assert.deepEqual(v2(a(7)), ['idp_change', 'update', 'idp', 'con_PartnerSaml000007', null, ADMIN]);
    assert.deepEqual(v2(a(8)), ['policy_change', 'deactivate', 'policy', 'factors/sms', null, ADMIN]);
    // MFA required for every application, then "never" (an empty policy list): MFA enforcement turned off.
    assert.deepEqual(v2(a(9)), ['policy_change', 'activate', 'policy', 'policies', null, ADMIN]);
    assert.deepEqual(v2(a(17)), ['policy_change', 'deactivate', 'policy', 'policies', null, ADMIN]);
    assert.equal(managementApiChange('put', '/api/v2/guardian/policies', {}, {}, [], ['confidence-score']).change, 'activate');
    assert.deepEqual(v2(a(10)), ['policy_change', 'deactivate', 'policy', 'attack-protection/brute-force-protection', null, ADMIN]);
  });
  it('password-change tickets and admin-set passwords, removed authenticators, unblocks', () => {
    assert.deepEqual(v2(a(11)), ['password_reset', null, 'user', 'auth0|140000000000000000000014', 'auth0|140000000000000000000014', ADMIN]);
    assert.deepEqual(v2(a(12)), ['password_reset', 'update', 'user', 'auth0|150000000000000000000015', 'auth0|150000000000000000000015', ADMIN]);
    assert.deepEqual(v2(a(13)).slice(0, 1).concat(v2(a(13)).slice(4)), ['factor_reset', 'auth0|160000000000000000000016', ADMIN]);
    assert.deepEqual(v2(a(14)).slice(0, 1).concat(v2(a(14)).slice(4)), ['unlock', 'auth0|170000000000000000000017', ADMIN]);
  });
  it('a Guardian tenant update names the admin as actor, no user', () => {
    assert.deepEqual([s(38).category, s(38).user_id, s(38).actor_id], ['policy_change', null, 'auth0|090000000000000000000009']);
  });
  it('paths not listed stay admin; blocking a user is a lockout', () => {
    assert.equal(managementApiChange('post', '/api/v2/log-streams', {}, {}, []).category, 'admin');
    assert.equal(managementApiChange('patch', '/api/v2/users/auth0%7C1', { blocked: true }, {}, []).category, 'lockout');
    assert.equal(managementApiChange('delete', '/api/v2/guardian/enrollments/dev_1', {}, {}, []).category, 'factor_remove');
    assert.equal(managementApiChange('post', '/api/v2/clients', { app_type: 'spa' }, { client_id: 'x' }, []).category, 'admin');
  });
});

describe('auth0 logs, fuzzed', () => {
  const base = fixture<{ log_id: string; data: Record<string, unknown> }[]>('auth0/management-api-page.json');
  const method = fc.constantFrom('post', 'put', 'patch', 'delete', 'get', 'x');
  const segment = fc.oneof(fc.constantFrom('users', 'roles', 'clients', 'rotate-secret', 'credentials', 'client-grants', 'connections', 'guardian', 'factors', 'attack-protection', 'tickets', 'password-change', 'user-blocks', 'organizations', 'members', 'authenticators', '%E0%A4%A'), fc.string({ maxLength: 8 }));
  it('normalize never throws on any request shape; every result is a valid AuthEvent or a reason', () => {
    fc.assert(fc.property(fc.constantFrom(...base), method, fc.array(segment, { maxLength: 6 }), fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (b, m, path, body, response, accessed) => {
      const log = structuredClone(b) as unknown as Record<string, Record<string, unknown>>;
      log['details'] = { request: { method: m, path: `/api/v2/${path.join('/')}`, body, auth: response }, response: { body: response }, accessedSecrets: accessed };
      const r = auth0.normalize(log);
      if (r.kind === 'event') {
        const v = AuthEvent.safeParse({ tenant: 't', source_id: 's', source: 'auth0', ingest_time: '2026-11-21T00:00:00.000Z', ...r.event });
        assert.ok(v.success, JSON.stringify(v.error?.issues));
      } else assert.ok(r.reason.length > 0);
    }), { numRuns: 2000 });
  });
});
