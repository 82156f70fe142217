/** `bypass_code`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, failed, play } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';

describe('bypass code', () => {
  it('a bypass code used alerts at once; a failed attempt does not', () => {
    const bypass = (uid: string, outcome: 'success' | 'failure') => ev({ event_uid: uid, event_time: at(0), category: 'mfa_bypass', outcome, factor: 'bypass_code', user_email: 'carol@example.com' });
    assert.deepEqual(play([bypass('b1', 'success')]).raised.map((a) => a.rule), ['bypass_code']);
    assert.equal(play([bypass('b2', 'failure')]).raised.length, 0);
  });
});
