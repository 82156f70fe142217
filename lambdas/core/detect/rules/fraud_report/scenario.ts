/** The user reports a push they did not ask for as suspicious. Near miss: the user only rejects it. */
import { defineScenario, okta, oktaEvent, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'bob@example.com';
export default defineScenario({
  rule: 'fraud_report',
  kind: 'okta',
  attack: (t0) => [oktaEvent({
    uuid: 'report-0', published: published(t0, 0), eventType: 'user.account.report_suspicious_activity_by_enduser', user: USER,
    displayMessage: 'User report suspicious activity', debug: { suspiciousActivityEventType: 'system.push.send_factor_verify_push' }, ip: '203.0.113.10',
  })],
  nearMiss: (t0) => [okta.denyPush('report-0', published(t0, 0), USER)],
  expect: { user: USER, severity: 'critical' },
});
