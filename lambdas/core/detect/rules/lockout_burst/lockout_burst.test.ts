/** `lockout_burst`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, play } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';

describe('lockout bursts across a tenant', () => {
  const lock = (uid: string, minutes: number, user: string, tenant = 'acme') =>
    ev({ event_uid: uid, event_time: at(minutes), category: 'lockout', outcome: 'success', user_email: user, tenant });
  it('five distinct users locked within 15 minutes fire one tenant-wide alert', () => {
    const { raised, updated } = play([0, 2, 4, 6, 8, 10].map((m, i) => lock(`l${i}`, m, `u${i}@example.com`)));
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.user, a.count]), [['lockout_burst', 'high', '*', 5]]);
    assert.deepEqual(updated.map((a) => a.count), [6]);
  });
  it('the same user locked five times, four users, or five users across two tenants do not fire', () => {
    assert.equal(play([0, 1, 2, 3, 4].map((m) => lock(`s${m}`, m, 'same@example.com'))).raised.length, 0);
    assert.equal(play([0, 1, 2, 3].map((m) => lock(`f${m}`, m, `u${m}@example.com`))).raised.length, 0);
    assert.equal(play([0, 1, 2, 3, 4].map((m) => lock(`t${m}`, m, `u${m}@example.com`, m % 2 ? 'globex' : 'acme'))).raised.length, 0);
  });
  it('late lockouts count in their window', () => {
    const { raised } = play([lock('a', 0, 'a@example.com'), lock('e', 14, 'e@example.com'), lock('c', 7, 'c@example.com'), lock('b', 3, 'b@example.com'), lock('d', 10, 'd@example.com')]);
    assert.deepEqual(raised.map((a) => [a.rule, a.first_event_time, a.last_event_time]), [['lockout_burst', at(0), at(14)]]);
  });
});
