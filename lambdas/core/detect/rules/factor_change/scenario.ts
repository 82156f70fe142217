/** A help-desk admin resets all of a user's factors (high: done for another user). Near miss: a factor enrolment that failed. */
import { defineScenario, oktaEvent, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'finn@example.com';
export default defineScenario({
  rule: 'factor_change',
  kind: 'okta',
  attack: (t0) => [oktaEvent({
    uuid: 'reset-factors-0', published: published(t0, 0), eventType: 'user.mfa.factor.reset_all', user: USER, admin: 'helpdesk.admin@example.com',
    displayMessage: 'Reset all factors for user', ip: '2001:db8::7', debug: { requestUri: '/api/v1/users/00ufinn/lifecycle/reset_factors' },
  })],
  nearMiss: (t0) => [oktaEvent({
    uuid: 'reset-factors-0', published: published(t0, 0), eventType: 'user.mfa.factor.activate', user: USER, displayMessage: 'User set up factor',
    result: 'FAILURE', reason: 'INVALID_CREDENTIALS', factor: 'GOOGLE_AUTHENTICATOR',
  })],
  expect: { user: USER, severity: 'high' },
});
