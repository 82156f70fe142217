/** `factor_change_new_ip`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, signIn, DAY, play } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';

describe('factor change, then a sign-in from a new IP', () => {
  const change = (uid: string, minutes: number) => ev({ event_uid: uid, event_time: at(minutes), category: 'factor_enroll', outcome: 'success', factor: 'push', user_email: 'erin@example.com' });
  const known = signIn('known', -2 * DAY, { src_ip: '192.0.2.10' });
  it('fires high with the change and the sign-in as evidence', () => {
    const { raised } = play([known, change('enroll', 0), signIn('new', 20, { src_ip: '198.51.100.7' })]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity]), [['factor_change', 'low'], ['factor_change_new_ip', 'high']]);
    assert.deepEqual(raised[1]!.event_uids, ['acme-okta#enroll', 'acme-okta#new']);
    assert.match(raised[1]!.summary, /198\.51\.100\.7/);
  });
  it('fires when the factor change arrives after the sign-in (late)', () => {
    const { raised } = play([known, signIn('new', 20, { src_ip: '198.51.100.7' }), change('enroll', 0)]);
    assert.deepEqual(raised.map((a) => a.rule).sort(), ['factor_change', 'factor_change_new_ip']);
  });
  it('does not fire for a known IP, outside the window, or for a user with no history', () => {
    assert.deepEqual(play([known, change('c', 0), signIn('s', 20, { src_ip: '192.0.2.10' })]).raised.map((a) => a.rule), ['factor_change']);
    assert.deepEqual(play([known, change('c', 0), signIn('s', 61, { src_ip: '198.51.100.7' })]).raised.map((a) => a.rule), ['factor_change']);
    assert.deepEqual(play([change('c', 0), signIn('s', 5, { src_ip: '198.51.100.7' })]).raised.map((a) => a.rule), ['factor_change']);
  });
});
