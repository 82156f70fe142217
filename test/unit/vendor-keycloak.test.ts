/**
 * Keycloak (issue 10): the event hooks' own payloads (SINGLE and BULK, user and admin events,
 * signed with HmacSHA256 or HmacSHA512) are read instead of quarantined; the Admin REST and SPI
 * listener shapes keep working; admin events carry schema version 2; fuzzing of the hook shapes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { parseConfig } from '../../lambdas/core/config.ts';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { createIngest } from '../../lambdas/core/ingest.ts';
import { keycloak } from '../../lambdas/sources/keycloak/map.ts';
import { fixture, fixtureText, normalizedEvents } from '../helpers/fixtures.ts';
import { memoryQuarantine, memoryStore } from '../helpers/fakes.ts';

const eventsOf = (payload: unknown): NormalizedFields[] => normalizedEvents(keycloak, payload);
const byUid = (file: string) => new Map(eventsOf(fixture(`keycloak/${file}`)).map((e) => [e.event_uid, e]));

describe('keycloak event hooks (EventHookPayloadBuilder)', () => {
  it('a SINGLE delivery (one user event object) is an event, not "neither type nor operationType"', () => {
    const [e] = eventsOf(fixture('keycloak/hook-single.json'));
    assert.deepEqual([e!.event_uid, e!.raw_event_type, e!.category, e!.outcome, e!.event_time], ['7d1e0000-0001-4000-8000-000000000001', 'LOGIN', 'login', 'success', '2025-11-21T09:00:00.123Z']);
  });
  it('a BULK delivery ({"events":[…]}) of user and admin events is read whole, nothing rejected', () => {
    const items = keycloak.unwrap(fixture('keycloak/hook-bulk.json'));
    assert.equal(items.length, 16);
    assert.deepEqual(items.map((i) => keycloak.normalize(i).kind), Array(16).fill('event'));
  });
  it('admin events name the admin from "auth" (hooks) as from "authDetails" (Admin REST, SPI listeners)', () => {
    const hook = byUid('hook-bulk.json').get('7d1e0000-0008-4000-8000-000000000008')!;
    const rest = byUid('admin-rest-admin-events.json').get('7d1e0000-0024-4000-8000-000000000024')!;
    for (const e of [hook, rest]) assert.deepEqual([e.actor_id, e.src_ip, e.app_id], ['ad000009-0000-4000-8000-000000000009', '192.0.2.10', 'security-admin-console']);
  });
  it('a representation reads the same parsed (hooks) or as a JSON string (Admin REST)', () => {
    const hookEvent = fixture<{ events: Record<string, unknown>[] }>('keycloak/hook-bulk.json').events[6]!;
    const asString = { ...hookEvent, representation: JSON.stringify(hookEvent['representation']) };
    const a = eventsOf(hookEvent)[0]!;
    const b = eventsOf(asString)[0]!;
    assert.deepEqual([b.category, b.change, b.target_type, b.target_id, b.target_name], [a.category, a.change, a.target_type, a.target_id, a.target_name]);
    assert.deepEqual([a.category, a.change, a.target_name], ['role_change', 'grant', 'realm-auditor']);
  });
  it('the SPI listener shapes keep their meaning (prefixed types, authDetails.username)', () => {
    const e = eventsOf({ time: 1763715600000, type: 'admin.USER-DELETE', realmId: 'r', authDetails: { userId: 'ad1', username: 'helpdesk' }, resourcePath: 'users/u1' })[0]!;
    assert.deepEqual([e.raw_event_type, e.category, e.user_id, e.actor_login], ['USER-DELETE', 'admin', 'u1', 'helpdesk']);
    const u = eventsOf({ time: 1763715600000, type: 'access.LOGIN_ERROR', userId: 'u2', error: 'invalid_user_credentials', details: { credential_type: 'otp' } })[0]!;
    assert.deepEqual([u.raw_event_type, u.category, u.outcome, u.is_mfa], ['LOGIN_ERROR', 'mfa_verify', 'failure', true]);
  });
  it('an event without any type is rejected with a reason; one without an id gets a stable one', () => {
    const r = keycloak.normalize({ sourceType: 'USER', time: 1763715600000, userId: 'u' });
    assert.equal(r.kind, 'reject');
    const noId = { sourceType: 'USER', time: 1763715600000, eventType: 'LOGOUT', userId: 'u' };
    assert.equal(eventsOf(noId)[0]!.event_uid, eventsOf(structuredClone(noId))[0]!.event_uid);
    assert.match(eventsOf(noId)[0]!.event_uid, /^sha256:[0-9a-f]{64}$/);
  });
});

describe('keycloak MFA labels', () => {
  it('a LOGIN that does not name its credential is unknown MFA (null), not "no MFA"', () => {
    assert.equal(byUid('hook-single.json').get('7d1e0000-0001-4000-8000-000000000001')!.is_mfa, null);
  });
  it('a brokered sign-in is decided at the identity provider: external_idp, is_mfa null', () => {
    const e = byUid('admin-rest-events.json').get('7d1e0000-0019-4000-8000-000000000019')!;
    assert.deepEqual([e.category, e.factor, e.is_mfa], ['login', 'external_idp', null]);
  });
  it('a password change is a password_reset, not a factor enrolment (UPDATE_PASSWORD and UPDATE_CREDENTIAL alike)', () => {
    assert.equal(byUid('admin-rest-events.json').get('7d1e0000-0020-4000-8000-000000000020')!.category, 'password_reset');
    const e = eventsOf({ sourceType: 'USER', eventId: 'x', time: 1763715600000, eventType: 'UPDATE_CREDENTIAL', userId: 'u', details: { credential_type: 'password' } })[0]!;
    assert.deepEqual([e.category, e.factor], ['password_reset', 'password']);
  });
});

describe('keycloak schema version 2', () => {
  const bulk = byUid('hook-bulk.json');
  const v2 = (uid: string) => { const e = bulk.get(uid)!; return [e.category, e.change, e.target_type, e.user_id, e.actor_id === null ? null : 'admin']; };
  it('role mappings and group membership are role changes of the mapped user, granted or revoked', () => {
    assert.deepEqual(v2('7d1e0000-0008-4000-8000-000000000008'), ['role_change', 'grant', 'role', '5c100017-0000-4000-8000-000000000017', 'admin']);
    assert.deepEqual(v2('7d1e0000-0009-4000-8000-000000000009'), ['role_change', 'revoke', 'role', '5c100018-0000-4000-8000-000000000018', 'admin']);
    assert.deepEqual(v2('7d1e0000-0010-4000-8000-000000000010'), ['role_change', 'grant', 'group', '5c100017-0000-4000-8000-000000000017', 'admin']);
  });
  it('identity providers, authentication flows, client secrets and initial access tokens affect no user', () => {
    assert.deepEqual(v2('7d1e0000-0011-4000-8000-000000000011'), ['idp_change', 'update', 'idp', null, 'admin']);
    assert.deepEqual(v2('7d1e0000-0012-4000-8000-000000000012'), ['policy_change', 'deactivate', 'policy', null, 'admin']);
    assert.deepEqual(v2('7d1e0000-0013-4000-8000-000000000013'), ['credential_change', 'create', 'app', null, 'admin']);
    assert.deepEqual(v2('7d1e0000-0017-4000-8000-000000000017'), ['credential_change', 'create', 'token', null, 'admin']);
  });
  it('password resets, unlocks and impersonation (by the admin event and by the IMPERSONATE user event)', () => {
    assert.deepEqual(v2('7d1e0000-0014-4000-8000-000000000014'), ['password_reset', 'update', 'user', '5c100019-0000-4000-8000-000000000019', 'admin']);
    assert.deepEqual(v2('7d1e0000-0015-4000-8000-000000000015'), ['unlock', null, null, '5c100016-0000-4000-8000-000000000016', 'admin']);
    assert.deepEqual(v2('7d1e0000-0016-4000-8000-000000000016'), ['impersonation', null, 'user', '5c100013-0000-4000-8000-000000000013', 'admin']);
    const imp = bulk.get('7d1e0000-0003-4000-8000-000000000003')!;
    assert.deepEqual([imp.category, imp.user_id, imp.actor_login], ['impersonation', '5c100013-0000-4000-8000-000000000013', 'helpdesk']);
  });
});

describe('keycloak hooks through the webhook intake, signed as Keycloak signs', () => {
  const config = parseConfig({
    tenants: [{ id: 'acme', name: 'Acme' }],
    sources: [
      { id: 'kc-256', tenant: 'acme', kind: 'keycloak', auth: { type: 'hmac-sha256', header: 'x-keycloak-signature', secret: 'keycloak-hook-secret' } },
      { id: 'kc-512', tenant: 'acme', kind: 'keycloak', auth: { type: 'hmac-sha512', header: 'x-keycloak-signature', secret: 'keycloak-hook-secret' } },
    ],
  });
  const body = Buffer.from(fixtureText('keycloak/hook-bulk.json'));
  const sign = (alg: 'sha256' | 'sha512') => ({ 'x-keycloak-signature': createHmac(alg, 'keycloak-hook-secret').update(body).digest('hex'), 'x-keycloak-signature-algorithm': alg === 'sha256' ? 'HmacSHA256' : 'HmacSHA512' });
  const post = (sourceId: string, headers: Record<string, string>) => {
    const ingest = createIngest({ config, store: memoryStore(), quarantine: memoryQuarantine(), secrets: async (r) => r.value!, now: () => new Date('2026-11-21T09:00:00.000Z') });
    return ingest.http({ method: 'POST', sourceId, headers, body });
  };
  it('HmacSHA256 and HmacSHA512 BULK deliveries are stored whole', async () => {
    assert.deepEqual(await post('kc-256', sign('sha256')), { status: 200, body: { accepted: 16, duplicates: 0, quarantined: 0 } });
    assert.deepEqual(await post('kc-512', sign('sha512')), { status: 200, body: { accepted: 16, duplicates: 0, quarantined: 0 } });
  });
  it('a signature under the other algorithm is 401', async () => {
    assert.equal((await post('kc-512', sign('sha256'))).status, 401);
    assert.equal((await post('kc-256', sign('sha512'))).status, 401);
  });
});

describe('keycloak hook shapes, fuzzed', () => {
  const eventType = fc.constantFrom('LOGIN', 'LOGIN_ERROR', 'UPDATE_CREDENTIAL', 'IMPERSONATE', 'RESET_PASSWORD', 'IDENTITY_PROVIDER_LOGIN', 'X', '');
  const resourceType = fc.constantFrom('REALM_ROLE_MAPPING', 'CLIENT_ROLE_MAPPING', 'GROUP_MEMBERSHIP', 'IDENTITY_PROVIDER', 'AUTH_EXECUTION', 'REALM', 'CLIENT', 'CLIENT_INITIAL_ACCESS_MODEL', 'USER_LOGIN_FAILURE', 'USER', 'CUSTOM');
  const segment = fc.oneof(fc.constantFrom('users', 'groups', 'clients', 'client-secret', 'rotated', 'role-mappings', 'identity-provider', 'instances', 'attack-detection', 'brute-force', 'reset-password', 'impersonation', 'execute-actions-email', 'credentials'), fc.string({ maxLength: 8 }));
  const representation = fc.oneof(fc.jsonValue(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.string());
  const time = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1763715600123));
  const user = fc.record({ sourceType: fc.constant('USER'), eventId: fc.option(fc.string()), time, eventType, userId: fc.option(fc.string()), ipAddress: fc.option(fc.string()), error: fc.option(fc.string()), details: fc.option(fc.dictionary(fc.constantFrom('username', 'credential_type', 'impersonator', 'identity_provider_identity', 'code_id'), fc.jsonValue())) }, { requiredKeys: ['sourceType', 'time'] });
  const admin = fc.record({ sourceType: fc.constant('ADMIN'), eventId: fc.option(fc.string()), time, operationType: fc.constantFrom('CREATE', 'UPDATE', 'DELETE', 'ACTION', 'x'), resourceType, resourcePath: fc.array(segment, { maxLength: 6 }).map((s) => s.join('/')), auth: fc.option(fc.record({ userId: fc.option(fc.string()), ipAddress: fc.option(fc.string()) })), representation }, { requiredKeys: ['sourceType', 'time'] });
  it('normalize never throws; every result is a valid AuthEvent or a reason', () => {
    fc.assert(fc.property(fc.oneof(user, admin, fc.record({ events: fc.array(fc.oneof(user, admin), { maxLength: 4 }) })), (body) => {
      for (const item of keycloak.unwrap(body)) {
        const r = keycloak.normalize(item);
        if (r.kind === 'event') {
          const v = AuthEvent.safeParse({ tenant: 't', source_id: 's', source: 'keycloak', ingest_time: '2026-11-21T00:00:00.000Z', ...r.event });
          assert.ok(v.success, JSON.stringify(v.error?.issues));
        } else assert.ok(r.reason.length > 0);
      }
    }), { numRuns: 2000 });
  });
});
