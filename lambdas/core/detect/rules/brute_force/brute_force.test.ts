/** `brute_force`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, failed, play } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';

describe('brute force', () => {
  it('brute force: 10 failures within 15 minutes alert, 9 do not', () => {
    const fail = (i: number) => ev({ event_uid: `f${i}`, event_time: at(i), category: 'login', outcome: 'failure', user_email: 'dave@example.com' });
    assert.equal(play(Array.from({ length: 9 }, (_, i) => fail(i))).raised.length, 0);
    const r = play(Array.from({ length: 10 }, (_, i) => fail(i))).raised;
    assert.deepEqual(r.map((a) => [a.rule, a.count]), [['brute_force', 10]]);
  });
  it('brute force counts late and out-of-order failures where they belong', () => {
    const order = [9, 0, 5, 1, 8, 2, 7, 3, 6, 4];
    const { raised } = play(order.map((i) => failed(`bf${i}`, i)));
    assert.deepEqual(raised.map((a) => [a.rule, a.count, a.first_event_time, a.last_event_time]), [['brute_force', 10, at(0), at(9)]]);
  });
});
