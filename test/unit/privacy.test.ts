/**
 * The tenant privacy policy (lambdas/core/privacy.ts) over every vendor's fixture events through
 * the real normalizers: nothing clear is left in any field or the raw payload, the same person
 * gets the same pseudonym everywhere, rules still fire, and the vault opens only with its key.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SOURCE_KINDS, type AuthEvent } from '../../lambdas/core/event.ts';
import { Config } from '../../lambdas/core/config.ts';
import {
  newTenantKey, openSealed, privacyApplier, PrivacyKeyMissing, PSEUDONYM, pseudonym, REDACTED, sealClear, tenantKeyBytes, type PrivacyPolicy,
} from '../../lambdas/core/privacy.ts';
import { truncateIp } from '../../lambdas/core/ip.ts';
import { at, play, T0, vendorEvents } from '../helpers/detect.ts';
import fatigue from '../../lambdas/core/detect/rules/mfa_fatigue/scenario.ts';
import { normalizerFor } from '../../lambdas/sources/index.ts';
import { createIngest } from '../../lambdas/core/ingest.ts';
import { privacyPort } from '../../lambdas/adapters/privacy.ts';
import type { PseudonymVault } from '../../lambdas/adapters/pseudonym-vault.ts';
import { memoryQuarantine, memoryStore } from '../helpers/fakes.ts';
import { fixtureText } from '../helpers/fixtures.ts';

/** The clear email of an Okta fixture event, by its id. */
const vendorClear = (uid: string) => vendorEvents('okta').find((e) => e.event_uid === uid)?.user_email?.toLowerCase();

const KEY = tenantKeyBytes('a1'.repeat(32));
const FULL: PrivacyPolicy = { pseudonymize: ['user_id', 'user_login', 'user_email', 'actor_id', 'actor_login', 'src_ip', 'device_id', 'device_name'], raw: 'redact', ipTruncate: null };
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/;
const IPV4 = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/;

const applyAll = (events: AuthEvent[], policy: PrivacyPolicy, key: Buffer | null = KEY) => {
  const apply = privacyApplier(policy, key);
  const vault = new Map<string, string>();
  return { events: events.map((e) => apply(e, vault)), vault };
};

describe('privacy policy: pseudonymize, redact, drop, cut addresses', () => {
  for (const kind of SOURCE_KINDS.filter((k) => k !== 'generic')) {
    it(`${kind}: no clear email, address or identity value left anywhere in the stored events, raw payload included`, () => {
      const events = vendorEvents(kind);
      assert.ok(events.length > 0, `${kind} has fixture events`);
      const { events: out, vault } = applyAll(events, FULL);
      const text = JSON.stringify(out);
      const email = EMAIL.exec(text);
      assert.equal(email, null, `clear email ${email?.[0]} left`);
      // Browser versions in user agents (Chrome/131.0.0.0) look like addresses and are not.
      const ip = IPV4.exec(text.replace(/\b[A-Za-z]+\/\d+(?:\.\d+){3}\b/g, ''));
      assert.equal(ip, null, `clear address ${ip?.[0]} left`);
      for (const [i, e] of events.entries()) {
        // An application's id is not personal and stays, even where a machine client's id is also its actor (Auth0).
        const stored = JSON.stringify({ ...out[i], app_id: null });
        for (const f of FULL.pseudonymize) {
          const v = e[f];
          if (typeof v !== 'string' || v === '') continue;
          assert.match(String(out[i]![f]), PSEUDONYM, `${kind} ${e.event_uid} ${f}`);
          if (v.length >= 6) assert.ok(!stored.includes(v), `${kind} ${e.event_uid}: ${f} value ${v} still stored`);
          assert.equal(vault.get(String(out[i]![f]))?.toLowerCase(), v.toLowerCase(), 'the vault holds the clear value of the pseudonym');
        }
        // What the policy does not name is untouched.
        for (const f of ['event_uid', 'event_time', 'category', 'outcome', 'factor', 'is_mfa', 'geo_country', 'app_id', 'risk_level'] as const) assert.equal(out[i]![f], e[f]);
      }
    });
  }

  it('the same person gets the same pseudonym in every field and across vendors; logins and emails without case', () => {
    const a = pseudonym(KEY, 'Bob@Example.com', true);
    assert.equal(a, pseudonym(KEY, 'bob@example.com', true));
    assert.notEqual(pseudonym(KEY, 'Bob@Example.com', false), a, 'ids keep their case');
    assert.notEqual(pseudonym(tenantKeyBytes('b2'.repeat(32)), 'bob@example.com', true), a, 'another tenant, another pseudonym');
    const okta = vendorEvents('okta').find((e) => e.user_email)!;
    const { events: [o, o2] } = applyAll([okta, { ...okta, event_uid: 'x', user_email: null, actor_login: okta.user_email!.toUpperCase() }], FULL);
    assert.equal(o!.user_email, o2!.actor_login);
  });

  it('ipTruncate keeps the network only (IPv4 /24 and /16, IPv6 /48 and /32), in the field and in the raw payload', () => {
    assert.equal(truncateIp('198.51.100.23', 24, 48), '198.51.100.0');
    assert.equal(truncateIp('198.51.100.23', 16, 32), '198.51.0.0');
    assert.equal(truncateIp('2001:db8:abcd:12::1', 24, 48), '2001:db8:abcd::');
    assert.equal(truncateIp('2001:db8:abcd:12::1', 16, 32), '2001:db8::');
    assert.equal(truncateIp('::ffff:203.0.113.9', 24, 48), '203.0.113.0');
    assert.equal(truncateIp('unknown', 24, 48), null);
    const e = vendorEvents('okta').find((x) => x.src_ip && x.raw?.includes(x.src_ip))!;
    const { events: [cut], vault } = applyAll([e], { pseudonymize: [], raw: 'redact', ipTruncate: 24 }, null);
    assert.equal(cut!.src_ip, truncateIp(e.src_ip, 24, 48));
    assert.ok(!cut!.raw!.includes(e.src_ip!), 'the raw payload holds the network only');
    assert.equal(cut!.user_email, e.user_email, 'nothing else changes');
    assert.equal(vault.size, 0);
    // Cut, then pseudonymized: the pseudonym of the network.
    const { events: [both] } = applyAll([e], { pseudonymize: ['src_ip'], raw: 'redact', ipTruncate: 24 });
    assert.equal(both!.src_ip, pseudonym(KEY, truncateIp(e.src_ip, 24, 48)!, false));
  });

  it('raw "drop" stores no payload; "keep" stores it as received; "redact" blanks names and phone numbers', () => {
    const e = vendorEvents('okta').find((x) => x.raw?.includes('displayName'))!;
    assert.equal(applyAll([e], { ...FULL, raw: 'drop' }).events[0]!.raw, null);
    assert.equal(applyAll([e], { ...FULL, raw: 'keep' }).events[0]!.raw, e.raw);
    const redacted = JSON.parse(applyAll([e], FULL).events[0]!.raw!) as { actor: { displayName: string } };
    assert.equal(redacted.actor.displayName, REDACTED);
    const text = JSON.stringify({ user: { phoneNumber: '+1 555 0100', note: 'call bob@example.com from 192.0.2.10' } });
    const r = JSON.parse(applyAll([{ ...e, raw: text, user_email: 'bob@example.com', src_ip: '192.0.2.10' }], FULL).events[0]!.raw!) as { user: { phoneNumber: string; note: string } };
    assert.equal(r.user.phoneNumber, REDACTED);
    assert.match(r.user.note, /^call pn_[a-z2-7]{20} from pn_[a-z2-7]{20}$/);
    // Not JSON: replaced as text.
    assert.doesNotMatch(applyAll([{ ...e, raw: 'login by bob@example.com', user_email: 'bob@example.com' }], FULL).events[0]!.raw!, /bob/);
  });

  it('a policy that pseudonymizes needs the key: without it nothing is applied (the intake then stores nothing)', () => {
    assert.throws(() => privacyApplier(FULL, null), PrivacyKeyMissing);
    assert.doesNotThrow(() => privacyApplier({ pseudonymize: [], raw: 'drop', ipTruncate: 16 }, null));
  });

  it('a push-bombing sequence still raises its alert, on the pseudonym, with the same evidence', () => {
    const n = normalizerFor('okta')!;
    const events = fatigue.attack(T0).flatMap((v) => n.unwrap(v)).map((item) => {
      const r = n.normalize(item);
      assert.equal(r.kind, 'event');
      return { ...(r as unknown as { event: AuthEvent }).event, tenant: 'acme', source_id: 'acme-okta', source: 'okta', ingest_time: at(60) } as AuthEvent;
    });
    const clear = play(events).raised.filter((a) => a.rule === 'mfa_fatigue');
    const { events: pseudonymized, vault } = applyAll(events, FULL);
    const masked = play(pseudonymized).raised.filter((a) => a.rule === 'mfa_fatigue');
    assert.equal(clear.length, 1);
    assert.equal(masked.length, 1);
    assert.match(masked[0]!.user, PSEUDONYM);
    assert.equal(vault.get(masked[0]!.user)?.toLowerCase(), clear[0]!.user.toLowerCase());
    assert.deepEqual(masked[0]!.event_uids, clear[0]!.event_uids);
    assert.equal(EMAIL.exec(JSON.stringify(masked)), null, 'the alert names no clear email');
  });
});

describe('pseudonym vault sealing', () => {
  it('opens with the tenant key, tenant and pseudonym it was sealed with, and nothing else', () => {
    const sealed = sealClear(KEY, 'acme', 'pn_aaaaaaaaaaaaaaaaaaaa', 'bob@example.com');
    assert.equal(openSealed(KEY, 'acme', 'pn_aaaaaaaaaaaaaaaaaaaa', sealed), 'bob@example.com');
    assert.notEqual(sealClear(KEY, 'acme', 'pn_aaaaaaaaaaaaaaaaaaaa', 'bob@example.com'), sealed, 'a fresh nonce per seal');
    assert.throws(() => openSealed(tenantKeyBytes('b2'.repeat(32)), 'acme', 'pn_aaaaaaaaaaaaaaaaaaaa', sealed));
    assert.throws(() => openSealed(KEY, 'globex', 'pn_aaaaaaaaaaaaaaaaaaaa', sealed));
    assert.throws(() => openSealed(KEY, 'acme', 'pn_bbbbbbbbbbbbbbbbbbbb', sealed));
    assert.throws(() => tenantKeyBytes('short'));
    assert.match(newTenantKey(), /^[0-9a-f]{64}$/);
    // 100 bits in base32: a known digest, bit for bit.
    assert.equal(pseudonym(Buffer.from('k'), 'v', false), 'pn_yxkl4gms2ugtwqpzuijj');
  });
});

describe('privacy config', () => {
  const base = { tenants: [{ id: 'acme', name: 'Acme' }], sources: [] };
  it('defaults: nothing pseudonymized, raw kept; raw defaults to "redact" once a field is pseudonymized or addresses are cut', () => {
    const p = (privacy: unknown) => Config.parse({ ...base, tenants: [{ id: 'acme', name: 'Acme', privacy }] }).tenants[0]!.privacy;
    assert.deepEqual(p({}), { pseudonymize: [], raw: 'keep', ipTruncate: null });
    assert.equal(p({ pseudonymize: ['user_email'] })!.raw, 'redact');
    assert.equal(p({ ipTruncate: 24 })!.raw, 'redact');
    assert.equal(p({ pseudonymize: ['user_email'], raw: 'keep' })!.raw, 'keep');
    assert.throws(() => p({ pseudonymize: ['event_time'] }));
    assert.throws(() => p({ ipTruncate: 8 }));
    assert.throws(() => p({ raw: 'hash' }));
  });
  it('tenant retention overrides', () => {
    const t = Config.parse({ ...base, tenants: [{ id: 'acme', name: 'Acme', retention: { hotDays: 30, archiveDays: 3650 } }] }).tenants[0]!;
    assert.deepEqual(t.retention, { hotDays: 30, archiveDays: 3650 });
    assert.throws(() => Config.parse({ ...base, tenants: [{ id: 'acme', name: 'Acme', retention: { hotDays: 0 } }] }));
    assert.throws(() => Config.parse({ ...base, tenants: [{ id: 'acme', name: 'Acme', retention: { glacierAfterDays: 10 } }] }));
  });
});

describe('privacy at intake', () => {
  const config = Config.parse({
    tenants: [{ id: 'acme', name: 'Acme', privacy: { pseudonymize: ['user_email', 'user_login', 'src_ip'] } }],
    sources: [{ id: 'acme-okta', tenant: 'acme', kind: 'okta', auth: { type: 'shared-secret', header: 'authorization', secret: 's3cret-for-tests' } }],
  });
  const body = Buffer.from(fixtureText('okta/event-hook.json'));
  const run = async (keys: (t: string) => Promise<Buffer>, vaultFails = false) => {
    const store = memoryStore();
    const entries = new Map<string, string>();
    const vault: PseudonymVault = {
      put: async (_t, e) => { if (vaultFails) throw new Error('state table unreachable'); for (const [k, v] of e) entries.set(k, v); },
      get: async () => null, delete: async () => false,
    };
    const ingest = createIngest({ config, store, quarantine: memoryQuarantine(), secrets: async (r) => r.value!, privacy: privacyPort({ config, keys, vault: () => vault }) });
    const res = await ingest.http({ method: 'POST', sourceId: 'acme-okta', headers: { authorization: 's3cret-for-tests' }, body });
    return { res, store, entries };
  };

  it('stores pseudonymized events and records their pseudonyms in the vault first, sealed', async () => {
    const { res, store, entries } = await run(async () => KEY);
    assert.equal(res.status, 200);
    assert.ok(store.items.size > 0);
    assert.equal(EMAIL.exec(JSON.stringify([...store.items.values()])), null);
    for (const e of store.items.values()) if (e.user_email) assert.equal(openSealed(KEY, 'acme', e.user_email, entries.get(e.user_email)!).toLowerCase(), vendorClear(e.event_uid));
  });

  it('without the key, or without the vault, nothing is stored and the sender is told to retry (503)', async () => {
    for (const r of [await run(async () => { throw new Error('AccessDenied'); }), await run(async () => KEY, true)]) {
      assert.equal(r.res.status, 503);
      assert.equal(r.store.items.size, 0);
    }
  });
});

describe('erase and reveal: their arguments', () => {
  it('erase needs a tenant, a subject and a reason; --from not after --to', async () => {
    const { parseEraseArgs } = await import('../../cli/erase.ts');
    assert.throws(() => parseEraseArgs(['--user', 'bob@example.com', '--reason', 'r']), /--tenant/);
    assert.throws(() => parseEraseArgs(['--tenant', 'acme', '--reason', 'r']), /--user/);
    assert.throws(() => parseEraseArgs(['--tenant', 'acme', '--user', 'bob@example.com']), /--reason/);
    assert.throws(() => parseEraseArgs(['--tenant', 'acme', '--user', 'b', '--reason', 'r', '--from', '2026-11-02', '--to', '2026-11-01']), /after/);
    assert.deepEqual(parseEraseArgs(['--tenant', 'acme', '--user', ' bob@example.com ', '--reason', 'request 7', '--dry-run']),
      { tenant: 'acme', subject: 'bob@example.com', reason: 'request 7', from: undefined, to: undefined, dryRun: true, json: false, outputs: undefined });
  });
  it('the eraser function takes exactly its request, for a configured tenant', async () => {
    const { EraseInput } = await import('../../lambdas/handlers/eraser.ts');
    assert.ok(EraseInput.safeParse({ tenant: 'acme', subject: 'bob@example.com', reason: 'r', dryRun: true }).success);
    assert.ok(!EraseInput.safeParse({ tenant: 'acme', subject: 'bob@example.com' }).success, 'a reason');
    assert.ok(!EraseInput.safeParse({ tenant: 'acme', subject: 'b', reason: 'r', user: 'x' }).success, 'no other field');
    assert.ok(!EraseInput.safeParse({ tenant: 'acme', subject: 'b', reason: 'r', from: '2026-1-1' }).success);
  });
  it('reveal needs a tenant, a reason and a pseudonym', async () => {
    const { parseRevealArgs } = await import('../../cli/reveal.ts');
    assert.throws(() => parseRevealArgs(['--reason', 'r', 'pn_aaaaaaaaaaaaaaaaaaaa']), /--tenant/);
    assert.throws(() => parseRevealArgs(['--tenant', 'acme', 'pn_aaaaaaaaaaaaaaaaaaaa']), /--reason/);
    assert.throws(() => parseRevealArgs(['--tenant', 'acme', '--reason', 'r', 'bob@example.com']), /not a pseudonym/);
    assert.equal(parseRevealArgs(['--tenant', 'acme', '--reason', 'r', 'pn_aaaaaaaaaaaaaaaaaaaa']).pseudonym, 'pn_aaaaaaaaaaaaaaaaaaaa');
  });
  it('pseudonym needs a tenant, a reason and a clear value; gives the caseless and the exact pseudonym', async () => {
    const { parsePseudonymArgs, pseudonymsOf } = await import('../../cli/pseudonym.ts');
    assert.throws(() => parsePseudonymArgs(['--reason', 'r', 'bob@example.com']), /--tenant/);
    assert.throws(() => parsePseudonymArgs(['--tenant', 'acme', 'bob@example.com']), /--reason/);
    assert.throws(() => parsePseudonymArgs(['--tenant', 'acme', '--reason', 'r', 'pn_aaaaaaaaaaaaaaaaaaaa']), /already a pseudonym/);
    assert.throws(() => parsePseudonymArgs(['--tenant', 'acme', '--reason', 'r', '  ']), /empty/);
    assert.equal(parsePseudonymArgs(['--tenant', 'acme', '--reason', ' r ', ' Bob@Example.com ']).value, 'Bob@Example.com');
    const key = Buffer.alloc(32, 7);
    const mixed = pseudonymsOf(key, 'Bob@Example.com');
    assert.equal(mixed.email_or_login, pseudonym(key, 'bob@example.com', true));
    assert.equal(mixed.email_or_login, pseudonymsOf(key, 'bob@example.com').other, 'an email in lower case is both');
    assert.notEqual(mixed.other, mixed.email_or_login, 'an id keeps its case');
    // What the intake stores for the fields: the same pseudonyms.
    const stored = applyAll([{ ...vendorEvents('okta')[0]!, user_email: 'Bob@Example.com', user_id: 'Bob@Example.com' }], { pseudonymize: ['user_email', 'user_id'], raw: 'redact', ipTruncate: null }, key).events[0]!;
    assert.deepEqual([stored.user_email, stored.user_id], [mixed.email_or_login, mixed.other]);
  });
});
