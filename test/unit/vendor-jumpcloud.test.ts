/**
 * JumpCloud, issue 10: an admin's own sign-in keeps the admin as subject, every Directory Insights
 * service and its documented loose shapes are read (never quarantined), schema version 2 for the
 * documented admin events, the mapping apart from the API client, and fuzzing of the new shapes.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type NormalizedFields } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import * as jcMap from '../../lambdas/sources/jumpcloud/map.ts';
import { jumpcloud } from '../../lambdas/sources/jumpcloud/map.ts';
import { fixture, normalizedEvent } from '../helpers/fixtures.ts';

type JcEvent = Record<string, unknown> & { id: string };
const complete = (e: object) => ({ tenant: 't', source_id: 's', source: 'jumpcloud', ingest_time: '2026-11-21T00:00:00.000Z', ...e });
const page = (file: string) => fixture<JcEvent[]>(`jumpcloud/${file}`);
const byId = (file: string, suffix: string) => structuredClone(page(file).find((e) => e.id.endsWith(suffix))!);
const mapped = (item: unknown): NormalizedFields => normalizedEvent(jumpcloud, item);

describe('jumpcloud: admin_login_attempt keeps the admin as the subject', () => {
  it('the admin as initiated_by (no resource): user_id is the admin, no actor', () => {
    const e = mapped(byId('directory-page.json', '0011'));
    assert.deepEqual([e.user_id, e.user_login, e.user_email, e.actor_id], ['5f00000000000000000000ad', 'helpdesk@example.com', 'helpdesk@example.com', null]);
  });
  it('the admin as resource (the API reference example): user_id is the admin', () => {
    const e = mapped(byId('directory-page.json', '0010'));
    assert.deepEqual([e.user_id, e.user_email, e.is_mfa, e.geo_country], ['5f00000000000000000000ae', 'it.admin@example.com', true, 'US']);
  });
  it('an admin acting on a user still has the user as subject and the admin as actor', () => {
    const e = mapped(byId('directory-page.json', '001c'));
    assert.deepEqual([e.user_login, e.actor_login, e.category], ['carol', 'helpdesk@example.com', 'factor_remove']);
  });
});

describe('jumpcloud: the documented shapes are read, not quarantined', () => {
  it('directory resources of type systemuser are users', () => {
    const e = mapped(byId('directory-page.json', '001f'));
    assert.deepEqual([e.user_id, e.user_login], ['5f00000000000000000000a4', 'dave']);
  });
  it('totp_delete_enrollment removes a factor (its name also says "enrollment")', () => {
    assert.equal(mapped(byId('directory-page.json', '001c')).category, 'factor_remove');
  });
  it('mfa_meta as a JSON string (RADIUS schema) names the factor', () => {
    const e = mapped(byId('radius-page.json', 'A46D'));
    assert.deepEqual([e.factor, e.is_mfa], ['totp', true]);
  });
  it('geoip latitude/longitude as strings (MTP schema) and initiated_by as a list (alert schema) are accepted', () => {
    const e = byId('directory-page.json', '0015');
    e['geoip'] = { country_code: 'US', region_name: 'Oregon', latitude: '45.8491', longitude: '-119.7143' };
    assert.deepEqual([mapped(e).geo_lat, mapped(e).geo_lon], [45.8491, -119.7143]);
    const alert = { id: '5c8fcfe0e7eb500001c71062', event_type: 'alert_created', timestamp: '2026-11-21T18:08:26Z', service: 'alerts',
      initiated_by: [{ field: 'Status', from: 'Open', to: 'Acknowledged' }], severity: 'Medium' };
    assert.deepEqual([mapped(alert).category, mapped(alert).user_id], ['other', null]);
  });
  it('an SSO event with only sso_token_success has an outcome, and its error_message as reason', () => {
    const failed = mapped(byId('sso-page.json', '0031'));
    assert.deepEqual([failed.outcome, failed.reason], ['failure', 'not authorized']);
    assert.equal(mapped(byId('sso-page.json', '0032')).outcome, 'success');
  });
  it('a device login prefers src_ip (where the user came from) over the agent\'s client_ip', () => {
    const e = mapped(byId('systems-page.json', '0050'));
    assert.deepEqual([e.src_ip, e.device_id, e.device_name], ['192.0.2.50', '611f642091129216830cc2c6', 'Build server 1']);
  });
  it('auth_context.auth_methods names the second factor of a portal sign-in', () => {
    const e = byId('directory-page.json', '0012');
    delete e['mfa'];
    assert.deepEqual([mapped(e).factor, mapped(e).is_mfa], ['webauthn', true]);
  });
  it('a RADIUS EAP-TLS sign-in is a certificate, not a password', () => {
    assert.equal(mapped(byId('radius-page.json', '3C4D')).factor, 'certificate');
  });
  it('nanosecond timestamps (MDM) are read to the millisecond', () => {
    assert.equal(mapped(byId('mdm-page.json', '0060')).event_time, '2026-11-21T01:40:48.953Z');
  });
  it('an admin change that is not a sign-in never reports an admin session as a factor', () => {
    assert.equal(mapped(byId('directory-page.json', '0016')).factor_raw, null);
  });
  it('an event without an id or a time is rejected with a reason', () => {
    const noId = byId('sso-page.json', '0030');
    delete (noId as Record<string, unknown>)['id'];
    assert.equal(jumpcloud.normalize(noId).kind, 'reject');
    assert.equal(jumpcloud.normalize({ ...byId('sso-page.json', '0030'), timestamp: 'yesterday' }).kind, 'reject');
  });
});

describe('jumpcloud: schema version 2', () => {
  const rows: [string, string, string | null, string | null, string | null, string | null, string | null][] = [
    // id suffix, category, change, target_type, target_name, user_login, actor_login
    ['0013', 'role_change', 'grant', 'admin', 'new.admin@example.com', 'new.admin@example.com', 'it.admin@example.com'],
    ['0014', 'role_change', 'grant', 'role', 'Administrator', 'helpdesk@example.com', 'it.admin@example.com'],
    ['0015', 'admin', 'update', 'admin', 'helpdesk@example.com', 'helpdesk@example.com', 'it.admin@example.com'],
    ['0016', 'policy_change', 'update', 'policy', 'Disable guest account', null, 'it.admin@example.com'],
    ['0017', 'policy_change', 'create', 'policy', 'Require MFA for the User Portal', null, 'it.admin@example.com'],
    ['0019', 'role_change', 'grant', 'group', 'Engineering', null, 'it.admin@example.com'],
    ['001a', 'role_change', 'grant', 'user', 'bob', 'bob', 'it.admin@example.com'],
    ['001e', 'password_reset', null, 'user', 'dave', 'dave', null],
    ['001f', 'password_reset', null, 'user', 'dave', 'dave', 'helpdesk@example.com'],
    ['0023', 'idp_change', 'create', 'idp', 'Microsoft 365', null, 'it.admin@example.com'],
    ['0024', 'idp_change', 'delete', 'idp', 'corp.example.com', null, 'it.admin@example.com'],
    ['0025', 'admin', 'create', 'app', 'Expense tool', null, 'it.admin@example.com'],
  ];
  for (const [id, category, change, targetType, targetName, user, actor] of rows) {
    it(`${id}: ${category} ${change ?? ''} on ${targetType}`, () => {
      const e = mapped(byId('directory-page.json', id));
      assert.deepEqual([e.category, e.change, e.target_type, e.target_name, e.user_login, e.actor_login], [category, change, targetType, targetName, user, actor]);
    });
  }
  it('a remote-assist session is support access on the device, the admin the actor', () => {
    const e = mapped(byId('systems-page.json', '0054'));
    assert.deepEqual([e.category, e.change, e.target_type, e.actor_login, e.user_id], ['impersonation', 'activate', 'device', 'it.admin@example.com', null]);
  });
  it('a password changed by its owner is not a reset', () => {
    assert.equal(mapped(byId('directory-page.json', '0020')).category, 'other');
    assert.equal(mapped(byId('systems-page.json', '0053')).category, 'other');
  });
  it('JumpCloud does not say whether a client was a proxy: anonymizer stays null', () => {
    for (const file of ['directory-page.json', 'sso-page.json', 'radius-page.json']) for (const e of page(file)) assert.equal(mapped(e).anonymizer, null);
  });
});

describe('jumpcloud: mapping apart from the API client', () => {
  it('map.ts exports no puller; pull.ts does', async () => {
    assert.equal('jumpcloudPuller' in jcMap, false);
    const pull = await import('../../lambdas/sources/jumpcloud/pull.ts');
    assert.equal(pull.jumpcloudPuller.kind, 'jumpcloud');
  });
});

describe('jumpcloud: the new shapes, fuzzed', () => {
  const files = ['directory-page.json', 'sso-page.json', 'radius-page.json', 'ldap-page.json', 'systems-page.json', 'mdm-page.json', 'password-manager-page.json', 'events-page.json'];
  const samples = files.flatMap((f) => page(f));
  const keys = ['initiated_by', 'resource', 'changes', 'mfa', 'mfa_meta', 'auth_context', 'auth_meta', 'geoip', 'useragent', 'success', 'event_type', 'service', 'system', 'timestamp', 'id'];
  it('every input gives an event or a reason; every event is a valid AuthEvent; admin changes name their actor', () => {
    const mutated = fc.record({
      base: fc.constantFrom(...samples),
      key: fc.constantFrom(...keys),
      value: fc.oneof(fc.jsonValue(), fc.constantFrom('admin_login_attempt', 'admin_update', 'authpolicy_update', 'totp_delete_enrollment', '{"type":"totp"}'),
        fc.record({ type: fc.constantFrom('admin', 'systemuser', 'user', 'policy'), id: fc.string(), email: fc.string() })),
    }).map(({ base, key, value }) => ({ ...structuredClone(base), [key]: value }));
    fc.assert(fc.property(fc.oneof(mutated, fc.anything()), (input) => {
      for (const item of jumpcloud.unwrap(input)) {
        const r = jumpcloud.normalize(item);
        assert.ok(r.kind === 'event' || r.kind === 'reject');
        if (r.kind !== 'event') continue;
        const v = AuthEvent.safeParse(complete(r.event));
        assert.ok(v.success, JSON.stringify(v.error?.issues));
        if (r.event.category === 'login' || r.event.category === 'sso') assert.equal(r.event.actor_id, null);
        if (r.event.is_mfa === true) assert.notEqual(r.event.factor, 'password');
      }
    }), { numRuns: 2000 });
  });
});
