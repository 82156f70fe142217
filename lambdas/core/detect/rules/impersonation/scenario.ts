/** An admin starts an impersonation session as a user (Okta `user.session.impersonation.initiate`). Near miss: the session ended. */
import { defineScenario, oktaAdmin } from '../../../../../test/helpers/rule-scenario.ts';

const user = (login: string) => ({ id: `00u${login.replace(/[^a-z]/g, '').slice(0, 17).padEnd(17, '0')}`, type: 'User', alternateId: login, displayName: login.split('@')[0], detailEntry: null });

const ADMIN = 'it.admin@example.com';
const USER = 'bob@example.com';
const session = (t0: number, minutes: number, verb: 'initiate' | 'end') => oktaAdmin(t0, minutes, {
  uuid: `impersonation-${verb}`, eventType: `user.session.impersonation.${verb}`, displayMessage: `${verb} impersonation session`, actor: ADMIN, target: [user(USER)],
});

export default defineScenario({
  rule: 'impersonation',
  kind: 'okta',
  attack: (t0) => [session(t0, 0, 'initiate')],
  nearMiss: (t0) => [session(t0, 0, 'end')],
  expect: { user: USER, severity: 'high' },
});
