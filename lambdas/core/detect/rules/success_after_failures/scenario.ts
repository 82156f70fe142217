/** Five wrong passwords, then a successful sign-in. Near miss: four, then the success. */
import { defineScenario, okta, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'eli@example.com';
const run = (t0: number, n: number) => [
  ...Array.from({ length: n }, (_, i) => okta.signIn(`try-${i}`, published(t0, i), USER, { result: 'FAILURE', ip: '203.0.113.66' })),
  okta.signIn('try-ok', published(t0, n + 1), USER, { ip: '203.0.113.66' }),
];
export default defineScenario({
  rule: 'success_after_failures',
  kind: 'okta',
  attack: (t0) => run(t0, 5),
  nearMiss: (t0) => run(t0, 4),
  expect: { user: USER, severity: 'medium' },
});
