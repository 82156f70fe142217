/**
 * PingOne (issue 10): audit activities from webhooks (a JSON array) and the Audit Activities API
 * page map schema version 2 (sign-on policy and policy-action changes, MFA settings, role
 * assignments, worker applications and secrets, identity providers, password resets) with the
 * admin as actor; MFA devices; fuzzing of the activity shape.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { pingone } from '../../lambdas/sources/pingone/map.ts';
import { fixture, normalizedEvents } from '../helpers/fixtures.ts';

const eventsOf = (payload: unknown): NormalizedFields[] => normalizedEvents(pingone, payload);
const page = new Map(eventsOf(fixture('pingone/activities-page.json')).map((e) => [e.event_uid, e]));
const get = (n: number) => page.get(`9a1000${String(n).padStart(2, '0')}-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`)!;
const ADMIN = 'e1000009-0000-4000-8000-000000000009';
const v2 = (n: number) => { const e = get(n); return [e.category, e.change, e.target_type, e.target_id, e.user_id, e.actor_id]; };

describe('pingone deliveries', () => {
  it('the Audit Activities API page (_embedded.activities) and a webhook array are read whole', () => {
    assert.equal(page.size, 14);
    assert.equal(eventsOf(fixture('pingone/webhook-activities.json')).length, 6);
  });
  it('a single activity (not in an array) is read too', () => {
    const one = fixture<{ _embedded: { activities: unknown[] } }>('pingone/activities-page.json')._embedded.activities[0];
    assert.equal(eventsOf(one).length, 1);
  });
});

describe('pingone schema version 2: the admin is the actor, the user only the USER resource', () => {
  it('sign-on policy, policy-action and MFA settings changes are policy changes of no user', () => {
    assert.deepEqual(v2(1), ['policy_change', 'update', 'policy', '50900001-0000-4000-8000-000000000001', null, ADMIN]);
    assert.deepEqual(v2(2), ['policy_change', 'update', 'policy', '50900001-0000-4000-8000-000000000001', null, ADMIN]);
    assert.deepEqual(v2(3), ['policy_change', 'update', 'policy', '3f000003-0000-4000-8000-000000000003', null, ADMIN]);
  });
  it('role assignments are granted or revoked to the user; the role id comes from the description', () => {
    assert.deepEqual(v2(4), ['role_change', 'grant', 'role', 'r0e00001-0000-4000-8000-000000000001', 'a1000011-0000-4000-8000-000000000011', ADMIN]);
    assert.deepEqual(v2(5), ['role_change', 'revoke', 'role', 'r0e00002-0000-4000-8000-000000000002', 'a1000012-0000-4000-8000-000000000012', ADMIN]);
  });
  it('an identity provider and a worker application (an API credential) are changes of no user', () => {
    assert.deepEqual(v2(6), ['idp_change', 'create', 'idp', '1d000006-0000-4000-8000-000000000006', null, ADMIN]);
    assert.deepEqual(v2(7), ['credential_change', 'create', 'app', 'c1000007-0000-4000-8000-000000000007', null, ADMIN]);
  });
  it('reading a secret is admin work, not a credential change, and names the admin, not as the user', () => {
    assert.deepEqual(v2(8), ['admin', null, 'app', 'c1000007-0000-4000-8000-000000000007', null, ADMIN]);
  });
  it('a self-service password reset has no actor; a password set by an admin names the admin', () => {
    assert.deepEqual([get(9).category, get(9).user_id, get(9).actor_id], ['password_reset', 'a1000013-0000-4000-8000-000000000013', null]);
    assert.deepEqual([get(10).category, get(10).user_id, get(10).actor_id], ['password_reset', 'a1000014-0000-4000-8000-000000000014', ADMIN]);
  });
  it('an application that is not a worker is admin work, not a credential', () => {
    const [a] = fixture<{ _embedded: { activities: Record<string, unknown>[] } }>('pingone/activities-page.json')._embedded.activities.slice(6, 7);
    const spa = { ...a, id: 'spa', result: { status: 'SUCCESS', description: "Created Application Portal using 'OPENID_CONNECT' protocol of type 'SINGLE_PAGE_APP' with enabled state" } };
    assert.equal(eventsOf(spa)[0]!.category, 'admin');
  });
});

describe('pingone MFA devices and sign-ins', () => {
  it('an activated device is a factor enrolment with its factor; a failed password check is a password failure', () => {
    assert.deepEqual([get(11).category, get(11).factor, get(11).is_mfa], ['factor_enroll', 'sms', false]);
    assert.deepEqual([get(12).category, get(12).outcome, get(12).factor, get(12).is_mfa], ['login', 'failure', 'password', false]);
  });
  it('an access decision does not say whether MFA was used: null', () => {
    assert.deepEqual([get(13).category, get(13).outcome, get(13).is_mfa], ['sso', 'failure', null]);
  });
});

describe('pingone activities, fuzzed', () => {
  const base = fixture<{ _embedded: { activities: Record<string, unknown>[] } }>('pingone/activities-page.json')._embedded.activities;
  const type = fc.oneof(fc.constantFrom('POLICY.UPDATED', 'ACTION.CREATED', 'ROLE_ASSIGNMENT.DELETED', 'SECRET.UPDATED', 'SECRET.READ', 'APPLICATION.CREATED', 'IDENTITY_PROVIDER.DELETED', 'PASSWORD.RESET', 'X'), fc.string({ minLength: 1 }));
  const resource = fc.record({ type: fc.option(fc.constantFrom('USER', 'SIGN_ON_POLICY', 'APPLICATION', 'GATEWAY', 'x')), id: fc.option(fc.string()), name: fc.option(fc.string()) });
  it('normalize never throws; every result is a valid AuthEvent or a reason', () => {
    fc.assert(fc.property(fc.constantFrom(...base), type, fc.array(resource, { maxLength: 3 }), fc.option(fc.string()), fc.jsonValue(), (b, t, resources, description, actors) => {
      const item = { ...structuredClone(b), action: { type: t }, resources, result: { status: 'SUCCESS', description }, actors };
      const r = pingone.normalize(item);
      if (r.kind === 'event') {
        const v = AuthEvent.safeParse({ tenant: 't', source_id: 's', source: 'pingone', ingest_time: '2026-11-21T00:00:00.000Z', ...r.event });
        assert.ok(v.success, JSON.stringify(v.error?.issues));
      } else assert.ok(r.reason.length > 0);
    }), { numRuns: 2000 });
  });
});
