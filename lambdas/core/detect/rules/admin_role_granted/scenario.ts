/** Super administrator granted to a user (Okta `user.account.privilege.grant`). Near miss: the same role revoked. */
import { defineScenario, oktaAdmin } from '../../../../../test/helpers/rule-scenario.ts';

const user = (login: string) => ({ id: `00u${login.replace(/[^a-z]/g, '').slice(0, 17).padEnd(17, '0')}`, type: 'User', alternateId: login, displayName: login.split('@')[0], detailEntry: null });

const ADMIN = 'it.admin@example.com';
const USER = 'mallory@example.com';
const privilege = (t0: number, verb: 'grant' | 'revoke') => oktaAdmin(t0, 0, {
  uuid: `admin-role-${verb}`, eventType: `user.account.privilege.${verb}`, displayMessage: `${verb} user privilege`, actor: ADMIN, target: [user(USER)],
  debug: verb === 'grant' ? { privilegeGranted: 'Super administrator' } : { privilegeRevoked: 'Super administrator' },
});

export default defineScenario({
  rule: 'admin_role_granted',
  kind: 'okta',
  attack: (t0) => [privilege(t0, 'grant')],
  nearMiss: (t0) => [privilege(t0, 'revoke')],
  expect: { user: USER, severity: 'high' },
});
