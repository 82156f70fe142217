/** `factor_change`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, play } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';

describe('factor change', () => {
  it('factor changes: high when an admin acts for someone else, low when self-service', () => {
    const change = (uid: string, actor: string | null) => ev({ event_uid: uid, event_time: at(0), category: 'factor_reset', outcome: 'success', user_email: `${uid}@example.com`, actor_login: actor });
    assert.deepEqual(play([change('u1', 'helpdesk@example.com')]).raised.map((a) => [a.rule, a.severity]), [['factor_change', 'high']]);
    assert.deepEqual(play([change('u2', null)]).raised.map((a) => [a.rule, a.severity]), [['factor_change', 'low']]);
  });
});
