/** `mfa_fatigue`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, denial, play } from '../../../../../test/helpers/detect.ts';

describe('MFA fatigue (push bombing)', () => {
  it('three push denials within 10 minutes raise exactly one alert', () => {
    const { raised } = play([denial('d1', 0), denial('d2', 3), denial('d3', 6)]);
    assert.equal(raised.length, 1);
    assert.deepEqual([raised[0]!.rule, raised[0]!.severity, raised[0]!.count, raised[0]!.user], ['mfa_fatigue', 'high', 3, 'bob@example.com']);
    assert.deepEqual([raised[0]!.first_event_time, raised[0]!.last_event_time], [at(0), at(6)]);
    assert.deepEqual(raised[0]!.event_uids, ['acme-okta#d1', 'acme-okta#d2', 'acme-okta#d3']);
  });
  it('two denials (just below the threshold) raise nothing', () => {
    assert.equal(play([denial('d1', 0), denial('d2', 3)]).raised.length, 0);
  });
  it('three denials spread over more than the window raise nothing', () => {
    assert.equal(play([denial('d1', 0), denial('d2', 6), denial('d3', 12)]).raised.length, 0);
  });
  it('a late event counts in the window it belongs to, whatever the arrival order', () => {
    const { raised } = play([denial('d1', 0), denial('d3', 8), denial('d2', 4)]);
    assert.equal(raised.length, 1);
    assert.deepEqual([raised[0]!.first_event_time, raised[0]!.last_event_time, raised[0]!.count], [at(0), at(8), 3]);
  });
  it('a redelivered event never counts twice', () => {
    assert.equal(play([denial('d1', 0), denial('d1', 0), denial('d2', 1), denial('d2', 1)]).raised.length, 0);
  });
  it('unanswered pushes count like denials; an approved push does not', () => {
    const unanswered = (uid: string, m: number) => ({ ...denial(uid, m), outcome: 'failure' as const });
    assert.equal(play([unanswered('u1', 0), denial('d1', 1), unanswered('u2', 2)]).raised.length, 1);
    const approved = (uid: string, m: number) => ({ ...denial(uid, m), outcome: 'success' as const });
    assert.equal(play([approved('a1', 0), approved('a2', 1), approved('a3', 2)]).raised.length, 0);
  });
  it('users are counted apart', () => {
    assert.equal(play([denial('d1', 0, 'a@example.com'), denial('d2', 1, 'b@example.com'), denial('d3', 2, 'c@example.com')]).raised.length, 0);
  });
});
