/** Ten wrong passwords for one user within ten minutes. Near miss: nine. */
import { defineScenario, okta, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'dana@example.com';
const failures = (t0: number, n: number) => Array.from({ length: n }, (_, i) => okta.signIn(`guess-${i}`, published(t0, i), USER, { result: 'FAILURE', ip: '203.0.113.66' }));
export default defineScenario({
  rule: 'brute_force',
  kind: 'okta',
  attack: (t0) => failures(t0, 10),
  nearMiss: (t0) => failures(t0, 9),
  expect: { user: USER, severity: 'medium' },
});
