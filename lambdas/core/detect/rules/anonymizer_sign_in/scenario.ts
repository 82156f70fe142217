/** A successful Okta sign-in through an anonymizing proxy (`securityContext.isProxy`), then another an hour later. Near miss: proxied sign-ins that failed. */
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

const USER = 'frank@example.com';
const signIn = (t0: number, minutes: number, result: 'SUCCESS' | 'FAILURE', n: number) => okta(t0, minutes, {
  uuid: `proxy-${result.toLowerCase()}-${n}`, eventType: 'user.session.start', displayMessage: 'User login to Okta', actor: USER, result, isProxy: true, ip: '203.0.113.77',
});

export default defineScenario({
  rule: 'anonymizer_sign_in',
  kind: 'okta',
  attack: (t0) => [signIn(t0, 0, 'SUCCESS', 1), signIn(t0, 60, 'SUCCESS', 2)],
  nearMiss: (t0) => [signIn(t0, 0, 'FAILURE', 1), signIn(t0, 1, 'FAILURE', 2)],
  expect: { user: USER, severity: 'medium' },
});
