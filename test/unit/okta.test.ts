import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AUTH_EVENT_FIELDS } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { okta } from '../../lambdas/sources/okta/map.ts';
import { assertFields, fixture } from '../helpers/fixtures.ts';

const expected = fixture<Record<string, Record<string, unknown>>>('okta/expected.json');
const complete = (e: object) => ({ tenant: 't', source_id: 's', source: 'okta', ingest_time: '2026-11-21T00:00:00.000Z', ...e });

describe('okta normalizer: every delivery shape, field by field', () => {
  for (const [file, count] of [['event-hook.json', 7], ['eventbridge.json', 1], ['api-page.json', 2]] as const) {
    it(`${file}: unwraps ${count} events and maps each exactly`, () => {
      const body = fixture(`okta/${file}`);
      const items = okta.unwrap(body);
      assert.equal(items.length, count);
      for (const item of items) {
        const r = okta.normalize(item);
        assert.equal(r.kind, 'event', JSON.stringify(r));
        if (r.kind !== 'event') continue;
        const want = expected[r.event.event_uid];
        assert.ok(want, `no expectation for ${r.event.event_uid}`);
        assertFields(r.event, want, item, AUTH_EVENT_FIELDS);
        assert.equal(AuthEvent.safeParse(complete(r.event)).success, true);
      }
    });
  }

  const byUid = (uid: string) => {
    const hook = fixture<{ data: { events: { uuid: string }[] } }>('okta/event-hook.json');
    return hook.data.events.find((e) => e.uuid.endsWith(uid))!;
  };
  const mapped = (item: unknown) => {
    const r = okta.normalize(item);
    assert.equal(r.kind, 'event');
    return (r as Extract<typeof r, { kind: 'event' }>).event;
  };

  it('a push denial is denied, never a plain failure', () => assert.equal(mapped(byUid('002')).outcome, 'denied'));
  it('a push sent is a challenge, never a failure', () => {
    const e = mapped(byUid('003'));
    assert.deepEqual([e.category, e.outcome, e.factor, e.is_mfa], ['mfa_challenge', 'challenge', 'push', true]);
  });
  it('an admin reset has the admin as actor and the affected user as user', () => {
    const e = mapped(byUid('004'));
    assert.deepEqual([e.user_login, e.actor_login, e.category], ['bob@example.com', 'helpdesk.admin@example.com', 'factor_reset']);
  });
  it('a self-service enrolment has no separate actor', () => {
    const page = fixture<unknown[]>('okta/api-page.json');
    const e = mapped(page[1]);
    assert.equal(e.actor_id, null);
    assert.equal(e.user_id, '00u1frank00000000006');
  });
  it('a user report is fraud', () => assert.equal(mapped(byUid('007')).outcome, 'fraud'));
  it('an IP with a port loses the port', () => assert.equal(mapped(byUid('002')).src_ip, '203.0.113.9'));
  it('the IP falls back to request.ipChain, and an offset time becomes UTC', () => {
    const e = mapped(fixture<unknown[]>('okta/api-page.json')[0]);
    assert.equal(e.src_ip, '192.0.2.44');
    assert.equal(e.event_time, '2026-11-20T12:00:00.000Z');
  });
  it('unknown event types are kept as other, with their raw type', () => {
    const e = mapped({ ...byUid('001'), eventType: 'app.oauth2.token.grant' });
    assert.deepEqual([e.category, e.raw_event_type, e.is_mfa], ['other', 'app.oauth2.token.grant', null]);
  });
});

describe('okta normalizer: bad events are quarantined with a reason naming the field', () => {
  const base = () => fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events[0]!;
  const cases: [string, (e: Record<string, unknown>) => void, RegExp][] = [
    ['published is not a time', (e) => { e['published'] = 'not-a-time'; }, /published/],
    ['outcome has the wrong type', (e) => { e['outcome'] = 42; }, /outcome/],
    ['uuid is missing', (e) => { delete e['uuid']; }, /uuid/],
    ['eventType is a number', (e) => { e['eventType'] = 7; }, /eventType/],
    ['target is not an array', (e) => { e['target'] = { id: 'x' }; }, /target/],
    ['not an object at all', () => undefined, /expected object/],
  ];
  for (const [name, edit, reason] of cases) {
    it(name, () => {
      const e = base();
      edit(e);
      const r = okta.normalize(name === 'not an object at all' ? 'a string' : e);
      assert.equal(r.kind, 'reject');
      assert.match((r as { reason: string }).reason, reason);
    });
  }
});

describe('okta normalizer: fuzzed', () => {
  it('returns an event or a reason for any input, and every event is a valid AuthEvent', () => {
    const sample = fixture<{ data: { events: Record<string, unknown>[] } }>('okta/event-hook.json').data.events;
    const mutated = fc.record({ base: fc.constantFrom(...sample), key: fc.constantFrom(...Object.keys(sample[0]!)), value: fc.jsonValue() })
      .map(({ base, key, value }) => ({ ...structuredClone(base), [key]: value }));
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), mutated, fc.anything()), (input) => {
      for (const item of okta.unwrap(input)) {
        const r = okta.normalize(item);
        assert.ok(r.kind === 'event' || r.kind === 'reject' || r.kind === 'ignore');
        if (r.kind === 'event') {
          const v = AuthEvent.safeParse(complete(r.event));
          assert.ok(v.success, JSON.stringify(v.error?.issues));
        }
      }
    }), { numRuns: 3000 });
  });
});
