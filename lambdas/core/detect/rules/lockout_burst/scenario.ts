/** Five users locked out within twelve minutes (a spray). Near miss: four users, one of them locked twice. */
import { defineScenario, oktaEvent, published } from '../../../../../test/helpers/rule-scenario.ts';

const lock = (t0: number, i: number, minutes: number, user: string) => oktaEvent({
  uuid: `lock-${i}`, published: published(t0, minutes), eventType: 'user.account.lock', user, displayMessage: 'Max sign in attempts exceeded',
  result: 'FAILURE', reason: 'LOCKED_OUT', legacyEventType: 'core.user_auth.account_locked', ip: '203.0.113.66',
});
export default defineScenario({
  rule: 'lockout_burst',
  kind: 'okta',
  attack: (t0) => ['ann', 'ben', 'cal', 'dee', 'eve'].map((u, i) => lock(t0, i, i * 3, `${u}@example.com`)),
  nearMiss: (t0) => ['ann', 'ben', 'cal', 'dee', 'ann'].map((u, i) => lock(t0, i, i * 3, `${u}@example.com`)),
  expect: { user: '*', severity: 'high' },
});
