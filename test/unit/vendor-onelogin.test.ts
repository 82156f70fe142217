/**
 * OneLogin (issue 10): webhook and SIEM (NDJSON) events with `event_timestamp` in OneLogin's
 * `YYYY-MM-DD hh:mm:ss UTC` form are read instead of quarantined; the Events API's ISO 8601
 * `created_at` still is; both strictly (calendar-valid, a zone named). Schema version 2 of the
 * privilege, policy, API credential, trusted IdP, password and user-assumption events.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConfig } from '../../lambdas/core/config.ts';
import { parseText } from '../../lambdas/core/body.ts';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { createIngest } from '../../lambdas/core/ingest.ts';
import { onelogin, oneLoginTime } from '../../lambdas/sources/onelogin/map.ts';
import { fixture, fixtureText, normalizedEvents } from '../helpers/fixtures.ts';
import { memoryQuarantine, memoryStore } from '../helpers/fakes.ts';

const eventsOf = (payload: unknown): NormalizedFields[] => normalizedEvents(onelogin, payload);
const byUid = (file: string) => new Map(eventsOf(fixture(`onelogin/${file}`)).map((e) => [e.event_uid, e]));

describe('onelogin event times', () => {
  it('reads the webhook / SIEM form "YYYY-MM-DD hh:mm:ss UTC" (the documented sample and the issue\'s)', () => {
    assert.equal(oneLoginTime('2017-12-05 19:13:06 UTC'), '2017-12-05T19:13:06.000Z');
    assert.equal(oneLoginTime('2026-11-18 07:55:12 UTC'), '2026-11-18T07:55:12.000Z');
    assert.equal(oneLoginTime('2026-11-18 07:55:12.345 UTC'), '2026-11-18T07:55:12.345Z');
  });
  it('reads the Events API form, ISO 8601 with a zone and any fraction', () => {
    assert.equal(oneLoginTime('2016-06-09T21:12:20.000Z'), '2016-06-09T21:12:20.000Z');
    assert.equal(oneLoginTime('2025-08-11T23:46:46.09295Z'), '2025-08-11T23:46:46.092Z');
    assert.equal(oneLoginTime('2026-11-18T09:10:00+00:00'), '2026-11-18T09:10:00.000Z');
    assert.equal(oneLoginTime('2026-11-18T10:10:00+0100'), '2026-11-18T09:10:00.000Z');
  });
  it('refuses what is not a documented, calendar-valid UTC time', () => {
    for (const s of ['2026-02-30 10:00:00 UTC', '2026-11-18 24:00:00 UTC', '2026-11-18 07:55:12', '2026-11-18 07:55:12 PST',
      '2026-11-18T07:55:12', '1763452512', '1763452512000', '18/11/2026 07:55:12 UTC', '', '   ', null, undefined])
      assert.equal(oneLoginTime(s as string | null | undefined), null, String(s));
  });
  it('an event whose time is no time is rejected with a reason, not stored at a wrong instant', () => {
    const r = onelogin.normalize({ uuid: 'u', event_type_id: 5, event_timestamp: '2026-02-30 10:00:00 UTC' });
    assert.equal(r.kind, 'reject');
    assert.match((r as { reason: string }).reason, /neither "event_timestamp" nor "created_at" is a time/);
  });
  it('fuzzed: every instant written in the webhook form reads back as itself; no string throws', () => {
    fc.assert(fc.property(fc.date({ min: new Date('1970-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }), (d) => {
      const iso = d.toISOString();
      assert.equal(oneLoginTime(`${iso.slice(0, 10)} ${iso.slice(11, 23)} UTC`), iso);
      assert.equal(oneLoginTime(iso), iso);
    }), { numRuns: 1000 });
    fc.assert(fc.property(fc.string(), (s) => { const t = oneLoginTime(s); assert.ok(t === null || /Z$/.test(t)); }), { numRuns: 1000 });
  });
});

describe('onelogin webhook formats', () => {
  it('the JSON Array webhook (doc shape: create._id, uuid, nulls, "… UTC") is read whole', () => {
    const items = onelogin.unwrap(fixture('onelogin/webhook-json-array.json'));
    assert.deepEqual(items.map((i) => onelogin.normalize(i).kind), Array(16).fill('event'));
    const e = byUid('webhook-json-array.json').get('0e1c1000-0001-4000-8000-000000000001')!;
    assert.deepEqual([e.event_time, e.category, e.is_mfa, e.factor], ['2026-11-18T07:55:12.000Z', 'login', true, 'push']);
  });
  it('an event known only by create._id keeps that id', () => {
    const e = eventsOf({ create: { _id: 'c-1' }, event_type_id: 7, event_timestamp: '2026-11-18 07:55:12 UTC', user_id: 1 })[0]!;
    assert.deepEqual([e.event_uid, e.category], ['c-1', 'logout']);
  });
  it('the SIEM (NDJSON) format: one event per line, parsed by the intake into the same events as the JSON array', () => {
    const parsed = parseText(fixtureText('onelogin/webhook-siem.ndjson'));
    assert.ok(parsed.ok && parsed.ndjson);
    const fromNdjson = eventsOf(parsed.ok ? parsed.payload : null);
    const fromArray = byUid('webhook-json-array.json');
    assert.equal(fromNdjson.length, 3);
    for (const e of fromNdjson) assert.deepEqual(e, fromArray.get(e.event_uid));
  });
  it('a SIEM body through the webhook intake is stored, nothing quarantined', async () => {
    const config = parseConfig({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [{ id: 'ol', tenant: 'acme', kind: 'onelogin', auth: { type: 'shared-secret', header: 'authorization', secret: 'Bearer onelogin-secret' } }] });
    const quarantine = memoryQuarantine();
    const ingest = createIngest({ config, store: memoryStore(), quarantine, secrets: async (r) => r.value!, now: () => new Date('2026-11-21T09:00:00.000Z') });
    const r = await ingest.http({ method: 'POST', sourceId: 'ol', headers: { authorization: 'Bearer onelogin-secret', 'content-type': 'application/x-ndjson' }, body: Buffer.from(fixtureText('onelogin/webhook-siem.ndjson')) });
    assert.deepEqual(r, { status: 200, body: { accepted: 3, duplicates: 0, quarantined: 0 } });
    assert.equal(quarantine.records.length, 0);
  });
  it('the Events API page ({"data":[…]}, created_at) is read', () => {
    assert.deepEqual([...byUid('events-api-page.json').keys()], ['999000011', '999000012', '999000013', '999000014']);
  });
});

describe('onelogin MFA labels and schema version 2', () => {
  const w = byUid('webhook-json-array.json');
  const api = byUid('events-api-page.json');
  it('the Verify Factor API: a challenge, a verification, a failure; a rejected push is denied', () => {
    assert.deepEqual([api.get('999000011')!.category, api.get('999000011')!.outcome], ['mfa_challenge', 'challenge']);
    assert.deepEqual([api.get('999000012')!.category, api.get('999000012')!.outcome, api.get('999000012')!.is_mfa], ['mfa_verify', 'success', true]);
    assert.deepEqual([api.get('999000013')!.outcome, api.get('999000013')!.factor], ['failure', 'totp']);
    const push = w.get('0e1c1000-0003-4000-8000-000000000003')!;
    assert.deepEqual([push.category, push.outcome, push.factor, push.is_mfa], ['mfa_verify', 'denied', 'push', true]);
  });
  it('an app sign-in does not say whether the OneLogin session had MFA: null', () => {
    assert.equal(w.get('0e1c1000-0005-4000-8000-000000000005')!.is_mfa, null);
  });
  const v2 = (uid: string) => { const e = w.get(uid)!; return [e.category, e.change, e.target_type, e.target_name, e.user_id, e.actor_id]; };
  it('privileges granted and revoked are role changes of the user, by the admin', () => {
    assert.deepEqual(v2('0e1c1000-0010-4000-8000-000000000010'), ['role_change', 'grant', 'role', 'Super user', '4727', '9001']);
    assert.deepEqual(v2('0e1c1000-0011-4000-8000-000000000011'), ['role_change', 'revoke', 'role', 'Manage users', '4728', '9001']);
  });
  it('policies, API credentials and trusted IdPs affect no user; the admin is the actor', () => {
    assert.deepEqual(v2('0e1c1000-0012-4000-8000-000000000012'), ['policy_change', 'update', 'policy', 'Default MFA policy', null, '9001']);
    assert.deepEqual(v2('0e1c1000-0013-4000-8000-000000000013'), ['credential_change', 'create', 'token', 'billing-sync', null, '9001']);
    assert.deepEqual(v2('0e1c1000-0014-4000-8000-000000000014'), ['idp_change', 'create', 'idp', 'Partner SAML', null, '9001']);
  });
  it('user assumption is impersonation; password requests and admin password changes are password resets', () => {
    assert.deepEqual(v2('0e1c1000-0006-4000-8000-000000000006'), ['impersonation', null, 'user', 'quinn@example.com', '4724', '9001']);
    assert.deepEqual(v2('0e1c1000-0007-4000-8000-000000000007'), ['password_reset', null, null, null, '4725', null]);
    assert.deepEqual(v2('0e1c1000-0008-4000-8000-000000000008'), ['password_reset', 'update', 'user', 'sam@example.com', '4726', '9001']);
  });
});

describe('onelogin events, fuzzed', () => {
  const base = fixture<Record<string, unknown>[]>('onelogin/webhook-json-array.json');
  it('normalize never throws; every result is a valid AuthEvent or a reason', () => {
    const typeId = fc.oneof(fc.constantFrom(3, 5, 6, 8, 10, 11, 12, 22, 72, 73, 74, 157, 179, 211, 527, 528, 539, 950, 777), fc.integer(), fc.string());
    const time = fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((d) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`), fc.jsonValue());
    fc.assert(fc.property(fc.constantFrom(...base), typeId, time, fc.constantFrom('event_timestamp', 'created_at', 'user_id', 'actor_user_id', 'privilege_name', 'policy_id', 'uuid'), fc.jsonValue(), (b, t, ts, key, value) => {
      const item = { ...structuredClone(b), event_type_id: t, event_timestamp: ts, [key]: value };
      const r = onelogin.normalize(item);
      if (r.kind === 'event') {
        const v = AuthEvent.safeParse({ tenant: 't', source_id: 's', source: 'onelogin', ingest_time: '2026-11-21T00:00:00.000Z', ...r.event });
        assert.ok(v.success, JSON.stringify(v.error?.issues));
      } else assert.ok(r.reason.length > 0);
    }), { numRuns: 2000 });
  });
});
