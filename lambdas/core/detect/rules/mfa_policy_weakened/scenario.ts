/** An admin switches off the MFA enrollment / sign-on policy (Okta `policy.lifecycle.deactivate`). Near miss: the policy edited and re-activated. */
import { defineScenario } from '../../../../../test/helpers/rule-scenario.ts';

/** An Okta System Log event (LogEvent) as an Event Hook delivers it: `actor` acts, on `target`. */
const okta = (t0: number, minutes: number, o: { uuid: string; eventType: string; displayMessage: string; actor: string; target?: Record<string, unknown>[];
  result?: string; debug?: Record<string, unknown>; isProxy?: boolean; ip?: string }) => ({
  uuid: o.uuid, published: new Date(t0 + minutes * 60_000).toISOString(), eventType: o.eventType, version: '0', severity: 'INFO', displayMessage: o.displayMessage,
  actor: { id: `00u${o.actor.replace(/[^a-z]/g, '').slice(0, 17).padEnd(17, '0')}`, type: 'User', alternateId: o.actor, displayName: o.actor.split('@')[0] },
  client: { ipAddress: o.ip ?? '198.51.100.88', userAgent: { rawUserAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)', os: 'Windows 10', browser: 'CHROME' }, zone: 'null', device: 'Computer',
    geographicalContext: { city: 'Amsterdam', state: 'North Holland', country: 'Netherlands', postalCode: null, geolocation: { lat: 52.374, lon: 4.8897 } } },
  outcome: { result: o.result ?? 'SUCCESS', reason: null },
  target: o.target ?? [],
  authenticationContext: { authenticationStep: 0, externalSessionId: `102${o.uuid.replace(/[^a-z0-9]/gi, '').slice(-12)}` },
  securityContext: { asNumber: 64500, asOrg: 'example transit', isp: 'example transit', domain: 'example.net', isProxy: o.isProxy ?? false },
  debugContext: { debugData: { requestId: `req${o.uuid}`, ...o.debug } },
  transaction: { type: 'WEB', id: `txn${o.uuid}`, detail: {} },
});

const ADMIN = 'it.admin@example.com';
const POLICY = { id: '00p1mfapolicy0000001', type: 'PolicyEntity', alternateId: 'unknown', displayName: 'Require MFA for everyone', detailEntry: { policyType: 'OKTA_SIGN_ON' } };
const change = (t0: number, minutes: number, verb: string) => okta(t0, minutes, { uuid: `mfa-policy-${verb}`, eventType: `policy.lifecycle.${verb}`, displayMessage: `${verb} policy`, actor: ADMIN, target: [POLICY] });

export default defineScenario({
  rule: 'mfa_policy_weakened',
  kind: 'okta',
  attack: (t0) => [change(t0, 0, 'deactivate')],
  nearMiss: (t0) => [change(t0, 0, 'update'), change(t0, 1, 'activate')],
  expect: { user: '*', severity: 'high' },
});
