/** A new SAML identity provider added (Okta `system.idp.lifecycle.create`). Near miss: an identity provider removed. */
import { defineScenario, oktaAdmin } from '../../../../../test/helpers/rule-scenario.ts';

const ADMIN = 'it.admin@example.com';
const idp = (t0: number, verb: 'create' | 'delete') => oktaAdmin(t0, 0, {
  uuid: `idp-${verb}`, eventType: `system.idp.lifecycle.${verb}`, displayMessage: `${verb} identity provider`, actor: ADMIN,
  target: [{ id: '0oa1partneridp000001', type: 'IdentityProvider', alternateId: 'unknown', displayName: 'Partner SAML', detailEntry: null }],
});

export default defineScenario({
  rule: 'idp_trust_changed',
  kind: 'okta',
  attack: (t0) => [idp(t0, 'create')],
  nearMiss: (t0) => [idp(t0, 'delete')],
  expect: { user: '*', severity: 'high' },
});
