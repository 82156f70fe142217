/**
 * Entra ID: a password-only sign-in to the Azure Portal, which the tenant marks MFA-required.
 * Near miss: the same user's sign-in to the portal with a verification code.
 */
import { fixture } from '../../../../../test/helpers/fixtures.ts';
import { defineScenario, published } from '../../../../../test/helpers/rule-scenario.ts';

type Rec = Record<string, any>;
const records = () => fixture<{ records: Rec[] }>('entra/SignInLogs.json').records;
const USER = 'dave@example.com';
/** A SignInLogs record of the fixture, for USER at `time`, with a new id. */
const signIn = (base: Rec, id: string, time: string): Rec => ({
  ...base, time, correlationId: id,
  properties: { ...base['properties'], id, createdDateTime: time, correlationId: id, userPrincipalName: USER },
});
export default defineScenario({
  rule: 'mfa_required_app',
  kind: 'entra',
  settings: { apps: ['Azure Portal'] },
  // e1a…0006: dave, password only (singleFactorAuthentication), Azure Portal.
  attack: (t0) => [signIn(records().find((r) => r['properties'].id.endsWith('0006'))!, 'e1a1ffff-0000-4000-8000-00000000a001', published(t0, 0))],
  // e1a…0015: a verification-code sign-in, sent to the Azure Portal.
  nearMiss: (t0) => {
    const mfa = records().find((r) => r['properties'].id.endsWith('0015'))!;
    const portal = records().find((r) => r['properties'].id.endsWith('0006'))!['properties'];
    const r = signIn(mfa, 'e1a1ffff-0000-4000-8000-00000000a001', published(t0, 0));
    return [{ ...r, properties: { ...r['properties'], appId: portal.appId, appDisplayName: portal.appDisplayName } }];
  },
  expect: { user: USER, severity: 'high' },
});
