/** An admin switches off the MFA enrollment / sign-on policy (Okta `policy.lifecycle.deactivate`). Near miss: the policy edited and re-activated. */
import { defineScenario, oktaAdmin } from '../../../../../test/helpers/rule-scenario.ts';

const ADMIN = 'it.admin@example.com';
const POLICY = { id: '00p1mfapolicy0000001', type: 'PolicyEntity', alternateId: 'unknown', displayName: 'Require MFA for everyone', detailEntry: { policyType: 'OKTA_SIGN_ON' } };
const change = (t0: number, minutes: number, verb: string) => oktaAdmin(t0, minutes, { uuid: `mfa-policy-${verb}`, eventType: `policy.lifecycle.${verb}`, displayMessage: `${verb} policy`, actor: ADMIN, target: [POLICY] });

export default defineScenario({
  rule: 'mfa_policy_weakened',
  kind: 'okta',
  attack: (t0) => [change(t0, 0, 'deactivate')],
  nearMiss: (t0) => [change(t0, 0, 'update'), change(t0, 1, 'activate')],
  expect: { user: '*', severity: 'high' },
});
