/** A sign-in Okta rated high risk (`debugData.risk` `{level=HIGH}`). Near miss: the same sign-in rated medium. */
import { defineScenario, oktaAdmin } from '../../../../../test/helpers/rule-scenario.ts';

const USER = 'erin@example.com';
const signIn = (t0: number, level: string) => oktaAdmin(t0, 0, {
  uuid: `risk-${level.toLowerCase()}`, eventType: 'user.session.start', displayMessage: 'User login to Okta', actor: USER, ip: '203.0.113.45',
  debug: { risk: `{level=${level}, reasons=Anomalous Location, Anomalous Device}` },
});

export default defineScenario({
  rule: 'vendor_risk',
  kind: 'okta',
  attack: (t0) => [signIn(t0, 'HIGH')],
  nearMiss: (t0) => [signIn(t0, 'MEDIUM')],
  expect: { user: USER, severity: 'high' },
});
