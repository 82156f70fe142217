/** Two rejected pushes, then the third approved: the bombing worked. Near miss: one rejection, then the approval. */
import { defineScenario, okta, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'bob@example.com';
export default defineScenario({
  rule: 'push_approved_after_denials',
  kind: 'okta',
  attack: (t0) => [
    okta.denyPush('bomb-0', published(t0, 0), USER), okta.denyPush('bomb-1', published(t0, 1), USER),
    okta.mfa('bomb-approved', published(t0, 2), USER, 'OKTA_VERIFY_PUSH'),
  ],
  nearMiss: (t0) => [okta.denyPush('bomb-0', published(t0, 0), USER), okta.mfa('bomb-approved', published(t0, 2), USER, 'OKTA_VERIFY_PUSH')],
  expect: { user: USER, severity: 'critical' },
});
