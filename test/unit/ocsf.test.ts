/**
 * The OCSF 1.3.0 export: one canonical event per category → its class, activity and status; the
 * validator against the schema subset (compliant and non-compliant side by side); every mapped
 * event of every vendor fixture valid; and the Parquet writer keeping every mapped field, nested.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { canonical, CATEGORIES, CHANGES, FACTORS, OUTCOMES, SOURCE_KINDS, type AuthEvent, type NormalizedFields } from '../../lambdas/core/event.ts';
import { OCSF_CLASSES, OCSF_PARQUET_COLUMNS, securityLakePrefix, toOcsf, type OcsfClass, type OcsfEvent } from '../../lambdas/core/ocsf.ts';
import { writeOcsfParquet } from '../../cli/export.ts';
import { runSql } from '../../local/archive-db.ts';
import { normalizedFixtureEvents } from '../helpers/fixtures.ts';
import { loadOcsfSubset, validateOcsf } from '../helpers/ocsf-validate.ts';

const subset = loadOcsfSubset();

function ev(p: Partial<NormalizedFields>): AuthEvent {
  return {
    tenant: 'acme', source_id: 'acme-okta', source: 'okta', ingest_time: '2026-11-20T10:15:31.000Z',
    ...canonical({ event_uid: 'u-1', event_time: '2026-11-20T10:15:30.123Z', raw_event_type: 'x.y', user_id: 'u1', user_login: 'alice@example.com', ...p }),
  };
}
function mapped(e: AuthEvent): { class: OcsfClass; event: OcsfEvent } {
  const r = toOcsf(e);
  assert.equal(r.kind, 'event', JSON.stringify(r));
  if (r.kind !== 'event') throw new Error('unreachable');
  assert.deepEqual(validateOcsf(subset, r.event as unknown as Record<string, unknown>), [], JSON.stringify(r.event));
  return r;
}

describe('OCSF schema subset', () => {
  it('says where it came from: the OCSF schema repository at tag 1.3.0', () => {
    assert.equal(subset.source.repository, 'https://github.com/ocsf/ocsf-schema');
    assert.equal(subset.source.tag, '1.3.0');
    assert.match(subset.source.commit, /^[0-9a-f]{40}$/);
    assert.equal(subset.version, '1.3.0');
  });
  it('holds every class the mapping emits, with the uids the mapping uses', () => {
    for (const [name, c] of Object.entries(OCSF_CLASSES)) {
      assert.equal(subset.classes[name]?.uid, c.uid, name);
      assert.equal(subset.classes[name]?.caption, c.name, name);
      assert.equal(subset.classes[name]?.category_uid, 3, name);
    }
  });
});

describe('canonical category → OCSF class, activity, status', () => {
  const cases: [string, Partial<NormalizedFields>, Partial<OcsfEvent> & { class: OcsfClass }][] = [
    ['login success', { category: 'login', outcome: 'success', is_mfa: false }, { class: 'authentication', activity_id: 1, activity_name: 'Logon', status_id: 1, is_mfa: false, severity_id: 1 }],
    ['login failure with reason', { category: 'login', outcome: 'failure', reason: 'INVALID_CREDENTIALS' }, { class: 'authentication', activity_id: 1, status_id: 2, status: 'Failure', status_detail: 'INVALID_CREDENTIALS', severity_id: 2 }],
    ['logout', { category: 'logout', outcome: 'success' }, { class: 'authentication', activity_id: 2, activity_name: 'Logoff', type_uid: 300202 }],
    ['sso', { category: 'sso', outcome: 'success', app_id: 'a1', app_name: 'Payroll' }, { class: 'authentication', activity_id: 1, service: { name: 'Payroll', uid: 'a1' } }],
    ['mfa challenge (prompt sent)', { category: 'mfa_challenge', outcome: 'challenge', is_mfa: true, factor: 'push' }, { class: 'authentication', activity_id: 1, status_id: 99, status: 'Challenge', is_mfa: true }],
    ['mfa verify denied', { category: 'mfa_verify', outcome: 'denied', is_mfa: true }, { class: 'authentication', status_id: 2, severity_id: 2 }],
    ['mfa bypass', { category: 'mfa_bypass', outcome: 'success', factor: 'bypass_code' }, { class: 'authentication', status_id: 1, severity_id: 3 }],
    ['fraud report', { category: 'fraud_report', outcome: 'fraud' }, { class: 'authentication', status_id: 2, severity_id: 4, severity: 'High' }],
    ['impersonation', { category: 'impersonation', outcome: 'success', actor_id: 'adm', actor_login: 'admin@example.com' }, { class: 'authentication', activity_id: 1, actor: { user: { uid: 'adm', name: 'admin@example.com' } } }],
    ['factor enroll', { category: 'factor_enroll', outcome: 'success', factor: 'totp' }, { class: 'account_change', activity_id: 10, activity_name: 'MFA Factor Enable', type_uid: 300110 }],
    ['factor remove', { category: 'factor_remove', outcome: 'success' }, { class: 'account_change', activity_id: 11, activity_name: 'MFA Factor Disable' }],
    ['factor reset', { category: 'factor_reset', outcome: 'success' }, { class: 'account_change', activity_id: 11 }],
    ['password reset', { category: 'password_reset', outcome: 'success' }, { class: 'account_change', activity_id: 4, activity_name: 'Password Reset' }],
    ['lockout', { category: 'lockout', outcome: 'failure' }, { class: 'account_change', activity_id: 9, activity_name: 'Lock', status_id: 2 }],
    ['unlock (Other: 1.3.0 has no Unlock)', { category: 'unlock', outcome: 'success' }, { class: 'account_change', activity_id: 99, activity_name: 'Unlock', type_uid: 300199 }],
    ['admin deactivates a user', { category: 'admin', outcome: 'success', change: 'deactivate', target_type: 'user' }, { class: 'account_change', activity_id: 5, activity_name: 'Disable' }],
    ['admin assigns a policy to a user', { category: 'admin', outcome: 'success', change: 'grant', target_type: 'policy', target_name: 'MFA everywhere' }, { class: 'account_change', activity_id: 7, policy: { name: 'MFA everywhere' } }],
    ['admin adds a user to a group', { category: 'admin', outcome: 'success', change: 'grant', target_type: 'group', target_id: 'g1', target_name: 'Finance' }, { class: 'group_management', activity_id: 3, activity_name: 'Add User', group: { name: 'Finance', uid: 'g1' } }],
    ['admin changes an app', { category: 'admin', outcome: 'success', change: 'update', target_type: 'app', target_id: 'a1', target_name: 'Payroll', user_id: null, user_login: null }, { class: 'entity_management', activity_id: 3, entity: { type: 'app', name: 'Payroll', uid: 'a1' } }],
    ['role granted to a user', { category: 'role_change', outcome: 'success', change: 'grant', target_type: 'role', target_name: 'Super Administrator' }, { class: 'user_access', activity_id: 1, activity_name: 'Assign Privileges', privileges: ['Super Administrator'], severity_id: 3 }],
    ['role revoked from a user', { category: 'role_change', outcome: 'success', change: 'revoke', target_type: 'role', target_name: 'Helpdesk' }, { class: 'user_access', activity_id: 2, privileges: ['Helpdesk'] }],
    ['role created (no user)', { category: 'role_change', outcome: 'success', change: 'create', target_type: 'role', target_name: 'Auditor', user_id: null, user_login: null }, { class: 'entity_management', activity_id: 1, entity: { type: 'role', name: 'Auditor' } }],
    ['policy weakened', { category: 'policy_change', outcome: 'success', change: 'update', target_type: 'policy', target_id: 'p1', target_name: 'Default MFA', user_id: null, user_login: null }, { class: 'entity_management', activity_id: 3, entity: { type: 'Policy', type_id: 5, policy: { name: 'Default MFA', uid: 'p1' } } }],
    ['API token created', { category: 'credential_change', outcome: 'success', change: 'create', target_type: 'token', target_name: 'ci-token' }, { class: 'entity_management', activity_id: 1, entity: { type: 'token', name: 'ci-token' } }],
    ['identity provider deleted', { category: 'idp_change', outcome: 'success', change: 'delete', target_type: 'idp', target_name: 'Partner SAML' }, { class: 'entity_management', activity_id: 4, activity_name: 'Delete' }],
    ['identity provider deactivated', { category: 'idp_change', outcome: 'success', change: 'deactivate', target_type: 'idp', target_name: 'Partner SAML' }, { class: 'entity_management', activity_id: 11, activity_name: 'Deactivate' }],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      const r = mapped(ev(input));
      const { class: cls, ...fields } = want;
      assert.equal(r.class, cls);
      assert.equal(r.event.class_uid, OCSF_CLASSES[cls].uid);
      assert.equal(r.event.type_uid, r.event.class_uid * 100 + r.event.activity_id);
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(r.event[k as keyof OcsfEvent], v, k);
    });
  }

  it('covers every category: each maps to a class, or (other, none) is skipped with a reason', () => {
    const classes = new Set<string>();
    for (const category of CATEGORIES) {
      const r = toOcsf(ev({ category, outcome: 'success', change: 'update', target_type: 'policy' }));
      if (category === 'other') { assert.deepEqual(r, { kind: 'skip', reason: 'category other has no OCSF class' }); continue; }
      assert.equal(r.kind, 'event', category);
      if (r.kind === 'event') classes.add(r.class);
    }
    assert.deepEqual(toOcsf(ev({ category: null })), { kind: 'skip', reason: 'the event has no category' });
    assert.deepEqual([...classes].sort(), ['account_change', 'authentication', 'entity_management']);
  });

  it('fills the common attributes: time, metadata, user, source endpoint, device, user agent, session, unmapped', () => {
    const { event: o } = mapped(ev({
      category: 'mfa_verify', outcome: 'success', is_mfa: true, factor: 'push', factor_raw: 'OKTA_VERIFY_PUSH', user_email: 'alice@example.com',
      src_ip: '198.51.100.7', geo_country: 'DE', geo_city: 'Berlin', geo_lat: 52.5, geo_lon: 13.4, user_agent: 'Mozilla/5.0', os: 'Windows 11',
      device_id: 'd1', device_name: 'LAPTOP-1', session_id: 's1', correlation_id: 'c1', risk_level: 'HIGH', anonymizer: true,
    }));
    assert.equal(o.time, Date.parse('2026-11-20T10:15:30.123Z'));
    assert.deepEqual(o.metadata, {
      version: '1.3.0', profiles: ['host'], product: { name: 'authtrail', vendor_name: 'authtrail' }, uid: 'u-1',
      original_time: '2026-11-20T10:15:30.123Z', logged_time: Date.parse('2026-11-20T10:15:31.000Z'), log_name: 'acme-okta',
      log_provider: 'okta', tenant_uid: 'acme', event_code: 'x.y', correlation_uid: 'c1',
    });
    assert.deepEqual(o.user, { uid: 'u1', name: 'alice@example.com', email_addr: 'alice@example.com' });
    assert.deepEqual(o.src_endpoint, { ip: '198.51.100.7', location: { country: 'DE', city: 'Berlin', lat: 52.5, long: 13.4 } });
    assert.deepEqual(o.device, { uid: 'd1', name: 'LAPTOP-1', type_id: 0, type: 'Unknown', os: { name: 'Windows 11', type_id: 100, type: 'Windows' } });
    assert.deepEqual(o.http_request, { user_agent: 'Mozilla/5.0' });
    assert.deepEqual(o.session, { uid: 's1' });
    // No app named: the identity provider itself is the service signed in to.
    assert.deepEqual(o.service, { name: 'okta' });
    assert.deepEqual(o.unmapped, { source: 'okta', source_id: 'acme-okta', category: 'mfa_verify', outcome: 'success', factor: 'push', factor_raw: 'OKTA_VERIFY_PUSH', risk_level: 'HIGH', anonymizer: 'true' });
  });

  it('names the user unknown when the vendor names none (OCSF requires one)', () => {
    assert.deepEqual(mapped(ev({ category: 'login', outcome: 'failure', user_id: null, user_login: null })).event.user, { name: 'unknown' });
  });

  it('names one Security Lake custom source per class, as Security Lake allows (at most 20 characters of [\\w.:-])', () => {
    const names = Object.values(OCSF_CLASSES).map((c) => c.source);
    assert.equal(new Set(names).size, names.length);
    for (const n of names) assert.match(n, /^[\w.:-]{1,20}$/, n);
  });

  it('partitions by class, region, account and UTC event day', () => {
    assert.equal(securityLakePrefix('authentication', 'eu-west-1', '123456789012', Date.parse('2026-11-20T23:59:59.999Z')),
      'ext/authtrail-auth/region=eu-west-1/accountId=123456789012/eventDay=20261120/');
  });
});

describe('OCSF validator: compliant and non-compliant side by side', () => {
  const good = () => structuredClone(mapped(ev({ category: 'login', outcome: 'success', src_ip: '198.51.100.7', user_email: 'alice@example.com' })).event) as unknown as Record<string, any>;
  const defects: [string, (e: Record<string, any>) => void, RegExp][] = [
    ['type_uid not class_uid * 100 + activity_id', (e) => { e['type_uid'] = 300202; }, /type_uid/],
    ['category_uid of another category', (e) => { e['category_uid'] = 4; }, /category_uid/],
    ['required user missing', (e) => { delete e['user']; }, /user: required attribute missing/],
    ['activity_id outside the class enum', (e) => { e['activity_id'] = 7; e['type_uid'] = 300207; }, /activity_id: 7 is not in the enum/],
    ['status sibling not the caption', (e) => { e['status'] = 'OK'; }, /status: "OK" is not the caption/],
    ['attribute the class does not define', (e) => { e['privileges'] = ['x']; }, /privileges: not an attribute/],
    ['Authentication without service or destination', (e) => { delete e['service']; }, /at least one of service, dst_endpoint/],
    ['object attribute unknown to the object', (e) => { e['user']['nickname'] = 'al'; }, /user\.nickname: not an attribute/],
    ['email_addr that is not an address', (e) => { e['user']['email_addr'] = 'alice'; }, /not a valid email_t/],
    ['metadata.version not 1.3.0', (e) => { e['metadata']['version'] = '1.1.0'; }, /metadata.version/],
    ['metadata.product.vendor_name missing', (e) => { delete e['metadata']['product']['vendor_name']; }, /vendor_name: required/],
    ['profile attribute without its profile', (e) => { e['metadata']['profiles'] = []; e['actor'] = { user: { name: 'x' } }; e['device'] = { type_id: 0, name: 'd' }; }, /device: belongs to profile host/],
    ['time as a string', (e) => { e['time'] = '2026-11-20T10:15:30.123Z'; }, /time: expected timestamp_t/],
  ];
  it('accepts the mapped event', () => assert.deepEqual(validateOcsf(subset, good()), []));
  for (const [name, edit, want] of defects) {
    it(`rejects ${name}`, () => {
      const e = good();
      edit(e);
      const errors = validateOcsf(subset, e);
      assert.ok(errors.some((x) => want.test(x)), `${name}: ${JSON.stringify(errors)}`);
    });
  }
});

/** Every event of every vendor fixture, normalized as the pipeline does, then OCSF-mapped. */
const FIXTURE_EVENTS = await normalizedFixtureEvents();
const fixtureEvents = () => FIXTURE_EVENTS;

describe('every vendor fixture event, mapped to OCSF, is valid OCSF 1.3.0', () => {
  const all = fixtureEvents();
  it('there are fixture events of every vendor', () => assert.ok(new Set(all.map((x) => x.kind)).size >= 10, String(all.length)));
  for (const kind of [...new Set(all.map((x) => x.kind))]) {
    const events = all.filter((x) => x.kind === kind);
    it(kind, () => {
      for (const { file, event } of events) {
        const r = toOcsf(event);
        if (r.kind === 'skip') { assert.ok(event.category === 'other' || event.category === null, `${file} ${event.event_uid} skipped: ${r.reason}`); continue; }
        assert.deepEqual(validateOcsf(subset, r.event as unknown as Record<string, unknown>), [], `${file} ${event.event_uid}`);
      }
    });
  }
  it('the fixtures exercise every class the mapping emits', () => {
    const seen = new Set(all.map(({ event }) => toOcsf(event)).flatMap((r) => (r.kind === 'event' ? [r.class] : [])));
    assert.deepEqual([...seen].sort(), Object.keys(OCSF_CLASSES).sort());
  });
});

describe('OCSF mapping, fuzzed', () => {
  const str = fc.option(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('user', 'group', 'policy', 'role', 'app', 'idp', 'device', 'organization', 'alice@example.com', '198.51.100.7', '2001:db8::1', 'not an ip')), { nil: null });
  const time = fc.integer({ min: Date.parse('2000-01-01'), max: Date.parse('2099-12-31') }).map((t) => new Date(t).toISOString());
  const event = fc.record({
    tenant: fc.constant('acme'), source_id: fc.constant('acme-src'), source: fc.constantFrom(...SOURCE_KINDS), event_uid: fc.string({ minLength: 1, maxLength: 20 }),
    event_time: time, ingest_time: time, raw_event_type: str, category: fc.option(fc.constantFrom(...CATEGORIES), { nil: null }),
    outcome: fc.option(fc.constantFrom(...OUTCOMES), { nil: null }), reason: str, is_mfa: fc.option(fc.boolean(), { nil: null }),
    factor: fc.option(fc.constantFrom(...FACTORS), { nil: null }), factor_raw: str, user_id: str, user_login: str, user_email: str,
    actor_id: str, actor_login: str, src_ip: str, user_agent: str, os: str, browser: str, device_id: str, device_name: str,
    geo_country: fc.option(fc.constantFrom('DE', 'US', 'NG'), { nil: null }), geo_region: str, geo_city: str,
    geo_lat: fc.option(fc.double({ min: -90, max: 90, noNaN: true }), { nil: null }), geo_lon: fc.option(fc.double({ min: -180, max: 180, noNaN: true }), { nil: null }),
    session_id: str, correlation_id: str, app_id: str, app_name: str, risk_level: str, target_type: str, target_id: str, target_name: str,
    change: fc.option(fc.constantFrom(...CHANGES), { nil: null }), anonymizer: fc.option(fc.boolean(), { nil: null }), raw: fc.constant(null),
  });
  it('any canonical event maps to a valid OCSF 1.3.0 event, or is skipped for having no OCSF class', () => {
    fc.assert(fc.property(event, (e) => {
      const r = toOcsf(e as AuthEvent);
      if (r.kind === 'skip') return e.category === 'other' || e.category === null;
      const errors = validateOcsf(subset, JSON.parse(JSON.stringify(r.event)) as Record<string, unknown>);
      assert.deepEqual(errors, []);
      return r.event.time === Date.parse(e.event_time) && r.event.metadata.uid === e.event_uid;
    }), { numRuns: Number(process.env['FUZZ_RUNS'] ?? 500) });
  });
});

/** JSON without nulls and with DuckDB's map entries as a plain object: what the event was. */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)]));
  return v;
}

describe('OCSF Parquet writer', () => {
  it('writes nested structs that read back as exactly the mapped events, one file per class and day, sorted by time', async () => {
    const events = fixtureEvents().map(({ event }) => toOcsf(event)).flatMap((r) => (r.kind === 'event' ? [{ class: r.class, event: r.event }] : []));
    const dir = mkdtempSync(join(tmpdir(), 'ocsf-unit-'));
    try {
      const files = await writeOcsfParquet(events, { outDir: dir, region: 'eu-west-1', accountId: '123456789012', tenant: 'acme' });
      assert.equal(files.reduce((n, f) => n + f.events, 0), events.length);
      for (const f of files) assert.match(f.key, /^ext\/authtrail-[a-z-]+\/region=eu-west-1\/accountId=123456789012\/eventDay=\d{8}\/authtrail-acme\.parquet$/);
      const db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
      const c = await db.connect();
      try {
        for (const cls of Object.keys(OCSF_CLASSES) as OcsfClass[]) {
          const glob = join(dir, 'ext', OCSF_CLASSES[cls].source, '*', '*', '*', '*.parquet');
          const types = await runSql(c, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = false))`);
          // DuckDB quotes struct fields that are keywords in its DESCRIBE output; the types are the same.
          const unquote = (t: unknown) => String(t).replace(/"/g, '');
          assert.deepEqual(types.map((t) => [t['column_name'], unquote(t['column_type'])]), OCSF_PARQUET_COLUMNS[cls].map(([n, t]) => [n, unquote(t)]), `${cls}: declared column types`);
          // unmapped as a map reads back as key/value entries; to_json gives the object form.
          const rows = await runSql(c, `SELECT to_json(t) AS j FROM read_parquet('${glob}', hive_partitioning = false) t`);
          const back = rows.map((r) => stripNulls(JSON.parse(String(r['j']))));
          const want = events.filter((e) => e.class === cls).map((e) => e.event);
          assert.equal(back.length, want.length, cls);
          const key = (e: any) => `${e.metadata.log_name}#${e.metadata.uid}`;
          const wantByKey = new Map(want.map((e) => [key(e), e]));
          for (const b of back) assert.deepEqual(b, stripNulls(JSON.parse(JSON.stringify(wantByKey.get(key(b))))), key(b));
        }
        for (const f of files) {
          const times = (await runSql(c, `SELECT time FROM read_parquet('${join(dir, f.key)}', hive_partitioning = false)`)).map((r) => Number(r['time']));
          assert.deepEqual(times, [...times].sort((a, b) => a - b), `${f.key}: rows sorted by time`);
        }
      } finally { c.closeSync(); db.closeSync(); }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
