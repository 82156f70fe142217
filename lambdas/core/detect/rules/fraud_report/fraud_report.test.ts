/** `fraud_report`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, play } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';

describe('fraud report', () => {
  it('a fraud report is critical', () => {
    const r = play([ev({ event_uid: 'x', event_time: at(0), category: 'fraud_report', outcome: 'fraud', user_email: 'bob@example.com' })]).raised;
    assert.deepEqual(r.map((a) => [a.rule, a.severity]), [['fraud_report', 'critical']]);
  });
});
