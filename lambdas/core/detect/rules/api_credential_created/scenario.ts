/** An API token created (Okta `system.api_token.create`). Near miss: a token revoked. */
import { defineScenario, oktaAdmin } from '../../../../../test/helpers/rule-scenario.ts';

const ADMIN = 'it.admin@example.com';
const token = (t0: number, verb: 'create' | 'revoke') => oktaAdmin(t0, 0, {
  uuid: `api-token-${verb}`, eventType: `system.api_token.${verb}`, displayMessage: `${verb} API token`, actor: ADMIN,
  target: [{ id: '00T1sync00000000001', type: 'Token', alternateId: 'unknown', displayName: 'nightly-sync', detailEntry: null }],
});

export default defineScenario({
  rule: 'api_credential_created',
  kind: 'okta',
  attack: (t0) => [token(t0, 'create')],
  nearMiss: (t0) => [token(t0, 'revoke')],
  expect: { user: '*', severity: 'medium' },
});
