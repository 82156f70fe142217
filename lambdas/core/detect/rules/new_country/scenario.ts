/**
 * A user who first signed in from Germany (the history) signs in from there again on day 15 and
 * from Japan on day 17 (not impossible travel: the sign-ins are days apart). Near miss: the
 * sign-in from Japan on day 10, while the user is still in the 14-day learning period.
 */
import { defineScenario, okta, published, TOKYO } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'hana@example.com';
const DAY = 24 * 60;
export default defineScenario({
  rule: 'new_country',
  kind: 'okta',
  history: (t0) => [okta.signIn('nc-0', published(t0, 0), USER)],
  attack: (t0) => [okta.signIn('nc-1', published(t0, 15 * DAY), USER), okta.signIn('nc-2', published(t0, 17 * DAY), USER, { ip: '203.0.113.120', place: TOKYO })],
  nearMiss: (t0) => [okta.signIn('nc-3', published(t0, 10 * DAY), USER, { ip: '203.0.113.120', place: TOKYO })],
  expect: { user: USER, severity: 'medium' },
});
