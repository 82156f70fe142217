/** `success_after_failures`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, signIn, failed, play } from '../../../../../test/helpers/detect.ts';

describe('success after failures', () => {
  it('success after a run of failures: 5 failures then a success alert, with all six events', () => {
    const seq = [0, 1, 2, 3, 4].map((m) => failed(`f${m}`, m));
    const { raised } = play([...seq, signIn('ok', 6)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.count]), [['success_after_failures', 'medium', 6]]);
    assert.deepEqual(raised[0]!.event_uids, ['f0', 'f1', 'f2', 'f3', 'f4', 'ok'].map((u) => `acme-okta#${u}`));
    assert.deepEqual([raised[0]!.first_event_time, raised[0]!.last_event_time], [at(0), at(6)]);
  });
  it('success after failures: four failures (just below) or failures after the success do not fire', () => {
    assert.equal(play([...[0, 1, 2, 3].map((m) => failed(`f${m}`, m)), signIn('ok', 5)]).raised.length, 0);
    assert.equal(play([signIn('ok', 0), ...[1, 2, 3, 4, 5].map((m) => failed(`f${m}`, m))]).raised.length, 0);
  });
  it('success after failures: a late failure completing the run fires when it arrives', () => {
    const { raised } = play([...[0, 1, 2, 3].map((m) => failed(`f${m}`, m)), signIn('ok', 6), failed('late', 5)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.count, a.last_event_time]), [['success_after_failures', 6, at(6)]]);
  });
});
