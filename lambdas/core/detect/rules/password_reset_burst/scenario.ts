/**
 * Within fifty minutes: three passwords reset by a help-desk admin, one self-service recovery
 * (the reset e-mail, then the reset done by Okta) and one admin unlock: five users. Near miss: the
 * same events for four users (one user's e-mail and reset are one user).
 */
import { defineScenario, oktaEvent, published } from '../../../../../test/helpers/rule-scenario.ts';

const ADMIN = 'helpdesk.admin@example.com';
const adminReset = (t0: number, uuid: string, m: number, user: string) => oktaEvent({ uuid, published: published(t0, m), eventType: 'user.account.reset_password', user, admin: ADMIN, displayMessage: 'Reset user password', legacyEventType: 'core.user.config.password_reset' });
const run = (t0: number, users: string[]) => [
  adminReset(t0, 'prb-0', 0, users[0]!), adminReset(t0, 'prb-1', 10, users[1]!), adminReset(t0, 'prb-2', 20, users[2]!),
  oktaEvent({ uuid: 'prb-3', published: published(t0, 30), eventType: 'system.email.password_reset.sent_message', user: users[3]!, selfTarget: true, displayMessage: 'Send user password reset email' }),
  oktaEvent({ uuid: 'prb-4', published: published(t0, 34), eventType: 'user.account.reset_password', user: users[3]!, system: true, displayMessage: 'Reset user password', legacyEventType: 'core.user.config.password_reset' }),
  oktaEvent({ uuid: 'prb-5', published: published(t0, 50), eventType: 'user.account.unlock_by_admin', user: users[4]!, admin: ADMIN, displayMessage: 'Unlock user account by admin', legacyEventType: 'core.user.config.user_unlocked' }),
];
export default defineScenario({
  rule: 'password_reset_burst',
  kind: 'okta',
  attack: (t0) => run(t0, ['ann', 'ben', 'cal', 'dee', 'eve'].map((u) => `${u}@example.com`)),
  nearMiss: (t0) => run(t0, ['ann', 'ben', 'cal', 'dee', 'ann'].map((u) => `${u}@example.com`)),
  expect: { user: '*', severity: 'medium' },
});
