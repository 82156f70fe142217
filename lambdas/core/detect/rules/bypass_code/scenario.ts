/** A factor bypass (recovery) code accepted. Near miss: a bypass attempt refused. */
import { defineScenario, oktaEvent, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'carol@example.com';
const bypass = (t0: number, result: 'SUCCESS' | 'FAILURE') => oktaEvent({
  uuid: 'bypass-0', published: published(t0, 0), eventType: 'user.mfa.attempt_bypass', user: USER, displayMessage: 'Attempt bypass of factor',
  result, reason: result === 'FAILURE' ? 'INVALID_CREDENTIALS' : null, ip: '198.51.100.40',
});
export default defineScenario({
  rule: 'bypass_code',
  kind: 'okta',
  attack: (t0) => [bypass(t0, 'SUCCESS')],
  nearMiss: (t0) => [bypass(t0, 'FAILURE')],
  expect: { user: USER, severity: 'high' },
});
