/**
 * A user known from one IP (the history) enrols a new factor, and ten minutes later signs in from an IP never
 * seen before (an attacker who registered a device). Near miss: the sign-in after the change comes
 * from the user's usual IP.
 */
import { defineScenario, okta, oktaEvent, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'gwen@example.com';
const HOME = '198.51.100.23';
const run = (t0: number, after: string) => [
  oktaEvent({ uuid: 'fcip-1', published: published(t0, 30), eventType: 'user.mfa.factor.activate', user: USER, displayMessage: 'User set up factor', factor: 'GOOGLE_AUTHENTICATOR', ip: HOME }),
  okta.signIn('fcip-2', published(t0, 40), USER, { ip: after }),
];
export default defineScenario({
  rule: 'factor_change_new_ip',
  kind: 'okta',
  history: (t0) => [okta.signIn('fcip-0', published(t0, 0), USER, { ip: HOME })],
  attack: (t0) => run(t0, '203.0.113.77'),
  nearMiss: (t0) => run(t0, HOME),
  expect: { user: USER, severity: 'high' },
});
