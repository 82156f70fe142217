/**
 * Every vendor normalizer, table-driven over its fixtures (test/fixtures/<kind>/*.json against
 * expected.json, field by field), the cross-vendor meanings (a push denial is `denied`, a prompt
 * is `challenge`, a fraud report is `fraud`, an admin acting is the actor), and fuzzing.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import fc from 'fast-check';
import { AUTH_EVENT_FIELDS, type NormalizedFields, type SourceKind } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { normalizerFor, SUPPORTED_KINDS } from '../../lambdas/sources/index.ts';
import { assertFields, fixture } from '../helpers/fixtures.ts';

const VENDORS: SourceKind[] = ['okta', 'duo', 'entra', 'google_workspace', 'auth0', 'pingone', 'onelogin', 'keycloak', 'jumpcloud', 'aws_signin'];
const complete = (e: object, source: SourceKind) => ({ tenant: 't', source_id: 's', source, ingest_time: '2026-11-21T00:00:00.000Z', ...e });

function normalizeFile(kind: SourceKind, file: string) {
  const n = normalizerFor(kind)!;
  return n.unwrap(fixture(`${kind}/${file}`)).map((item) => ({ item, result: n.normalize(item) }));
}
function eventsOf(kind: SourceKind, file: string): Map<string, NormalizedFields> {
  const out = new Map<string, NormalizedFields>();
  for (const { result } of normalizeFile(kind, file)) if (result.kind === 'event') out.set(result.event.event_uid, result.event);
  return out;
}

for (const kind of VENDORS) {
  describe(`${kind} normalizer: fixtures field by field`, () => {
    const expected = fixture<Record<string, Record<string, unknown>>>(`${kind}/expected.json`);
    const files = readdirSync(new URL(`../fixtures/${kind}/`, import.meta.url)).filter((f) => f.endsWith('.json') && f !== 'expected.json' && f !== 'truth.json');
    const seen = new Set<string>();
    for (const file of files) {
      it(file, () => {
        for (const { item, result } of normalizeFile(kind, file)) {
          if (result.kind === 'ignore') continue;
          assert.equal(result.kind, 'event', JSON.stringify(result));
          if (result.kind !== 'event') continue;
          const e = result.event;
          const want = expected[e.event_uid];
          assert.ok(want, `no expectation for ${e.event_uid}`);
          seen.add(e.event_uid);
          assertFields(e, want, item, AUTH_EVENT_FIELDS);
          const valid = AuthEvent.safeParse(complete(e, kind));
          assert.ok(valid.success, JSON.stringify(valid.error?.issues));
        }
      });
    }
    it('every expectation is exercised', () => assert.deepEqual([...seen].sort(), Object.keys(expected).sort()));
  });
}

describe('one meaning across vendors', () => {
  const pick = (kind: SourceKind, file: string, uid: string) => {
    const e = eventsOf(kind, file).get(uid);
    assert.ok(e, `${kind} ${uid}`);
    return e;
  };
  it('a push denial is denied', () => {
    for (const e of [
      pick('okta', 'event-hook.json', 'a0f3b1c2-1111-11f1-9a4b-000000000002'),
      pick('entra', 'diagnostic-signins.json', 'e1a00002-0000-4000-8000-000000000002'),
      pick('auth0', 'log-stream.json', '90020261120100130789000000000000000000000000000000000003'),
      pick('duo', 'authlogs-page.json', '4b1c7c7a-0002-4000-8000-000000000002'),
      pick('jumpcloud', 'events-page.json', '64f1a2b3c4d5e6f708090002'),
    ]) assert.deepEqual([e.outcome, e.factor, e.is_mfa], ['denied', 'push', true], e.event_uid);
    assert.equal(pick('duo', 'authlogs-page.json', '4b1c7c7a-0007-4000-8000-000000000007').outcome, 'failure', 'an unanswered push is not a denial');
  });
  it('an MFA prompt sent is a challenge, never a failure', () => {
    for (const e of [
      pick('okta', 'event-hook.json', 'a0f3b1c2-1111-11f1-9a4b-000000000003'),
      pick('entra', 'diagnostic-signins.json', 'e1a00003-0000-4000-8000-000000000003'),
      pick('auth0', 'log-stream.json', '90020261120100100456000000000000000000000000000000000002'),
      pick('aws_signin', 'identity-center.json', 'e0000003-0000-4000-8000-000000000003'),
      pick('pingone', 'webhook-activities.json', '9a000002-0000-4000-8000-000000000002'),
    ]) assert.deepEqual([e.category, e.outcome], ['mfa_challenge', 'challenge'], e.event_uid);
  });
  it('a user\'s fraud report is fraud', () => {
    assert.equal(pick('okta', 'event-hook.json', 'a0f3b1c2-1111-11f1-9a4b-000000000007').outcome, 'fraud');
    assert.equal(pick('entra', 'diagnostic-signins.json', 'e1a00004-0000-4000-8000-000000000004').outcome, 'fraud');
    assert.equal(pick('duo', 'authlogs-page.json', '4b1c7c7a-0003-4000-8000-000000000003').outcome, 'fraud');
    assert.equal(pick('pingone', 'webhook-activities.json', '9a000003-0000-4000-8000-000000000003').outcome, 'fraud');
  });
  it('an admin\'s factor change has the admin as actor and the affected user as user', () => {
    for (const [e, user, actor] of [
      [pick('okta', 'event-hook.json', 'a0f3b1c2-1111-11f1-9a4b-000000000004'), 'bob@example.com', 'helpdesk.admin@example.com'],
      [pick('entra', 'diagnostic-audit.json', 'Directory_aud0001'), 'bob@example.com', 'helpdesk@example.com'],
      [pick('aws_signin', 'identity-center.json', 'e0000005-0000-4000-8000-000000000005'), 'dana@example.com', 'admin@example.com'],
      [pick('keycloak', 'webhook.json', '6f1c0a2e-0005-4000-8000-000000000005'), null, 'helpdesk'],
      [pick('jumpcloud', 'events-page.json', '64f1a2b3c4d5e6f708090003'), 'bob', 'helpdesk@example.com'],
      [pick('pingone', 'webhook-activities.json', '9a000005-0000-4000-8000-000000000005'), 'bob@example.com', 'helpdesk@example.com'],
      [pick('onelogin', 'webhook-events.json', '0e1c0000-0003-4000-8000-000000000003'), 'bob@example.com', 'helpdesk@example.com'],
    ] as const) {
      assert.equal(e.user_login, user, e.event_uid);
      assert.equal(e.actor_login, actor, e.event_uid);
      assert.match(e.category!, /^factor_(reset|remove)$/);
    }
  });
  it('bypass codes, lockouts and failed second factors', () => {
    assert.deepEqual(pick('auth0', 'log-stream.json', '90020261120110000000000000000000000000000000000000000004').category, 'mfa_bypass');
    assert.deepEqual([pick('duo', 'authlogs-page.json', '4b1c7c7a-0004-4000-8000-000000000004').category, pick('duo', 'authlogs-page.json', '4b1c7c7a-0004-4000-8000-000000000004').factor], ['mfa_bypass', 'bypass_code']);
    assert.equal(pick('duo', 'authlogs-page.json', '4b1c7c7a-0005-4000-8000-000000000005').category, 'lockout');
    assert.equal(pick('entra', 'diagnostic-signins.json', 'e1a00005-0000-4000-8000-000000000005').category, 'lockout');
    const kc = eventsOf('keycloak', 'webhook.json');
    assert.equal([...kc.values()].find((e) => e.reason === 'user_temporarily_disabled')?.category, 'lockout');
    assert.deepEqual([kc.get('6f1c0a2e-0002-4000-8000-000000000002')!.category, kc.get('6f1c0a2e-0002-4000-8000-000000000002')!.outcome], ['mfa_verify', 'failure']);
    assert.deepEqual([pick('aws_signin', 'identity-center.json', 'e0000004-0000-4000-8000-000000000004').category], ['mfa_verify']);
  });
  it('times from every vendor become UTC milliseconds (7-digit fractions, offsets, epoch ms)', () => {
    assert.equal(pick('entra', 'diagnostic-signins.json', 'e1a00001-0000-4000-8000-000000000001').event_time, '2026-11-20T09:00:00.123Z');
    assert.equal(pick('keycloak', 'webhook.json', '6f1c0a2e-0001-4000-8000-000000000001').event_time, '2025-11-20T10:00:00.123Z');
  });
  it('a Keycloak event without an id gets a deterministic one, so a redelivery deduplicates', () => {
    const a = [...eventsOf('keycloak', 'webhook.json').keys()].filter((k) => k.startsWith('sha256:'));
    const b = [...eventsOf('keycloak', 'webhook.json').keys()].filter((k) => k.startsWith('sha256:'));
    assert.equal(a.length, 1);
    assert.deepEqual(a, b);
  });
  it('Google: one canonical event per activity event, with a deterministic id', () => {
    const a = normalizeFile('google_workspace', 'activities-page.json');
    const b = normalizeFile('google_workspace', 'activities-page.json');
    assert.equal(a.length, 5, 'four activities, five events');
    assert.deepEqual(a.map((x) => x.result.kind === 'event' && x.result.event.event_uid), b.map((x) => x.result.kind === 'event' && x.result.event.event_uid));
    const bypass = a.map((x) => x.result).find((r) => r.kind === 'event' && r.event.factor === 'bypass_code');
    assert.equal(bypass?.kind === 'event' && bypass.event.category, 'mfa_bypass');
  });
  it('OneLogin: an event type whose meaning is not established is kept as other, never guessed', () => {
    const e = pick('onelogin', 'webhook-events.json', '999000005');
    assert.deepEqual([e.category, e.outcome, e.raw_event_type], ['other', 'unknown', 'event_type_id:777']);
  });
  it('Entra categories without sign-ins are left out, not quarantined', () => {
    const r = normalizeFile('entra', 'diagnostic-audit.json').map((x) => x.result.kind);
    assert.deepEqual(r, ['event', 'event', 'ignore']);
  });
});

describe('every normalizer, fuzzed', () => {
  for (const kind of SUPPORTED_KINDS) {
    it(`${kind}: events or a reason for any input; every event a valid AuthEvent`, () => {
      const n = normalizerFor(kind)!;
      const samples = VENDORS.includes(kind) ? normalizeFile(kind, readdirSync(new URL(`../fixtures/${kind}/`, import.meta.url)).find((f) => f.endsWith('.json') && f !== 'expected.json' && f !== 'truth.json')!).map((x) => x.item as Record<string, unknown>) : [{ event_uid: 'x', event_time: '2026-11-20T00:00:00Z' }];
      const mutated = fc.record({ base: fc.constantFrom(...samples), key: fc.string({ maxLength: 12 }), path: fc.constantFrom(...Object.keys(samples[0] ?? { a: 1 })), value: fc.jsonValue() })
        .map(({ base, key, path, value }) => {
          const copy = structuredClone(base) as Record<string, unknown>;
          copy[Math.random() < 0.5 ? path : key] = value;
          return copy;
        });
      fc.assert(fc.property(fc.oneof(fc.jsonValue(), mutated, fc.anything()), (input) => {
        for (const item of n.unwrap(input)) {
          const r = n.normalize(item);
          assert.ok(['event', 'reject', 'ignore'].includes(r.kind));
          if (r.kind === 'event') {
            const v = AuthEvent.safeParse(complete(r.event, kind));
            assert.ok(v.success, `${kind}: ${JSON.stringify(v.error?.issues)}`);
          }
        }
      }), { numRuns: 1500 });
    });
  }
});
