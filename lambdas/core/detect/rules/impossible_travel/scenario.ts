/** Berlin, then Tokyo (8,900 km) an hour later. Near miss: Tokyo twenty hours later (under 1,000 km/h). */
import { defineScenario, okta, published, TOKYO } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'ivan@example.com';
const trip = (t0: number, minutes: number) => [
  okta.signIn('trip-0', published(t0, 0), USER),
  okta.signIn('trip-1', published(t0, minutes), USER, { ip: '203.0.113.120', place: TOKYO }),
];
export default defineScenario({
  rule: 'impossible_travel',
  kind: 'okta',
  attack: (t0) => trip(t0, 60),
  nearMiss: (t0) => trip(t0, 20 * 60),
  expect: { user: USER, severity: 'high' },
});
