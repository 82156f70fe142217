/**
 * A user who signed in from Germany for fifteen days signs in from Japan two days later (not
 * impossible travel: the sign-ins are days apart). Near miss: the same sign-in from Japan while
 * the user is still in the 14-day learning period.
 */
import { defineScenario, okta, published, TOKYO } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'hana@example.com';
const DAY = 24 * 60;
export default defineScenario({
  rule: 'new_country',
  kind: 'okta',
  attack: (t0) => [
    okta.signIn('nc-0', published(t0, 0), USER), okta.signIn('nc-1', published(t0, 15 * DAY), USER),
    okta.signIn('nc-2', published(t0, 17 * DAY), USER, { ip: '203.0.113.120', place: TOKYO }),
  ],
  nearMiss: (t0) => [
    okta.signIn('nc-0', published(t0, 0), USER), okta.signIn('nc-1', published(t0, 8 * DAY), USER),
    okta.signIn('nc-2', published(t0, 10 * DAY), USER, { ip: '203.0.113.120', place: TOKYO }),
  ],
  expect: { user: USER, severity: 'medium' },
});
