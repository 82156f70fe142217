/**
 * `session_anomaly` end to end: an Okta session (`externalSessionId`) started from the office
 * (`user.session.start`), then used for an app sign-in (`user.authentication.sso`) from another
 * network with the same browser ten minutes later, as a stolen session cookie replayed would be;
 * the near miss moves within the office's /24.
 */
import { defineScenario } from '../../../../../test/helpers/rule-scenario.ts';

const SAFARI = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15';
const use = (t: number, n: number, type: 'user.session.start' | 'user.authentication.sso', ip: string) => ({
  uuid: `5e550000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`,
  published: new Date(t).toISOString(),
  eventType: type,
  version: '0',
  severity: 'INFO',
  displayMessage: type === 'user.session.start' ? 'User login to Okta' : 'User single sign on to app',
  actor: { id: '00u1carol00000000003', type: 'User', alternateId: 'carol@example.com', displayName: 'Carol Example' },
  client: { userAgent: { rawUserAgent: SAFARI, os: 'Mac OS X', browser: 'SAFARI' }, ipAddress: ip, geographicalContext: null },
  outcome: { result: 'SUCCESS', reason: null },
  authenticationContext: { credentialType: type === 'user.session.start' ? 'PASSWORD' : null, externalSessionId: '102sessCarolScn01' },
  transaction: { type: 'WEB', id: `YtxnCarolScn${n}` },
  request: { ipChain: [{ ip, version: 'V4' }] },
  ...(type === 'user.authentication.sso' ? { target: [{ id: '0oa1wiki00000000001', type: 'AppInstance', alternateId: 'Wiki', displayName: 'Wiki' }] } : {}),
});

export default defineScenario({
  rule: 'session_anomaly',
  kind: 'okta',
  attack: (t0) => [use(t0, 1, 'user.session.start', '198.51.100.23'), use(t0 + 600_000, 2, 'user.authentication.sso', '203.0.113.77')],
  nearMiss: (t0) => [use(t0, 3, 'user.session.start', '198.51.100.23'), use(t0 + 600_000, 4, 'user.authentication.sso', '198.51.100.200')],
  expect: { user: 'carol@example.com', severity: 'medium' },
});
