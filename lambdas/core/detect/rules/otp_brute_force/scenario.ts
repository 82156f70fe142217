/**
 * Ten wrong one-time codes (Google Authenticator and SMS, alternating) within seven minutes, then
 * a code accepted: medium, raised to high by the success. Near miss: nine wrong codes, then the success.
 */
import { defineScenario, okta, published } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'otto@example.com';
const run = (t0: number, n: number) => [
  ...Array.from({ length: n }, (_, i) => okta.mfa(`otp-${i}`, published(t0, i * 0.75), USER, i % 2 ? 'SMS_FACTOR' : 'GOOGLE_AUTHENTICATOR', { result: 'FAILURE', ip: '203.0.113.66' })),
  okta.mfa('otp-ok', published(t0, 8), USER, 'GOOGLE_AUTHENTICATOR', { ip: '203.0.113.66' }),
];
export default defineScenario({
  rule: 'otp_brute_force',
  kind: 'okta',
  attack: (t0) => run(t0, 10),
  nearMiss: (t0) => run(t0, 9),
  expect: { user: USER, severity: 'high' },
});
