/** A successful Okta sign-in through an anonymizing proxy (`securityContext.isProxy`), then another an hour later. Near miss: proxied sign-ins that failed. */
import { defineScenario, oktaAdmin } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'frank@example.com';
const signIn = (t0: number, minutes: number, result: 'SUCCESS' | 'FAILURE', n: number) => oktaAdmin(t0, minutes, {
  uuid: `proxy-${result.toLowerCase()}-${n}`, eventType: 'user.session.start', displayMessage: 'User login to Okta', actor: USER, result, isProxy: true, ip: '203.0.113.77',
});

export default defineScenario({
  rule: 'anonymizer_sign_in',
  kind: 'okta',
  attack: (t0) => [signIn(t0, 0, 'SUCCESS', 1), signIn(t0, 60, 'SUCCESS', 2)],
  nearMiss: (t0) => [signIn(t0, 0, 'FAILURE', 1), signIn(t0, 1, 'FAILURE', 2)],
  expect: { user: USER, severity: 'medium' },
});
