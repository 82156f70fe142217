/** Push bombing: Okta Verify pushes rejected three times within minutes. Near miss: the same three spread over more than ten minutes. */
import { defineScenario, okta, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'bob@example.com';
export default defineScenario({
  rule: 'mfa_fatigue',
  kind: 'okta',
  attack: (t0) => [0, 2, 4].map((m, i) => okta.denyPush(`fatigue-${i}`, published(t0, m), USER)),
  nearMiss: (t0) => [0, 6, 12].map((m, i) => okta.denyPush(`fatigue-${i}`, published(t0, m), USER)),
  expect: { user: USER, severity: 'high' },
});
