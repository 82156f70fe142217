/**
 * `password_spray` end to end: Okta System Log sign-in failures (`user.session.start`, FAILURE,
 * INVALID_CREDENTIALS, as in test/fixtures/okta/api-page.json) from one IP for ten users, two
 * attempts each within ten minutes; the near miss stops at nine users.
 */
import { defineScenario } from '../../../../../test/helpers/rule-scenario.ts';

// An address no other rule's scenario uses: the bench injects every scenario into one tenant's day.
const IP = '192.0.2.99';
const failure = (t: number, i: number, k: number) => ({
  uuid: `5a5a0000-0000-4000-8000-${(i * 10 + k).toString(16).padStart(12, '0')}`,
  published: new Date(t).toISOString(),
  eventType: 'user.session.start',
  version: '0',
  severity: 'INFO',
  displayMessage: 'User login to Okta',
  actor: { id: `00u1spray${String(i).padStart(11, '0')}`, type: 'User', alternateId: `staff${i}@example.com`, displayName: `Staff ${i}` },
  client: { userAgent: { rawUserAgent: 'python-requests/2.32.3', os: 'Unknown', browser: 'UNKNOWN' }, ipAddress: IP, geographicalContext: null },
  outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
  authenticationContext: { credentialType: 'PASSWORD' },
  transaction: { type: 'WEB', id: `YtxnSpray${i}${k}` },
  request: { ipChain: [{ ip: IP, version: 'V4' }] },
});
/** `users` users, two attempts each (a round of one password over all users, then a second), 15 s apart. */
const spray = (t0: number, users: number) =>
  [0, 1].flatMap((k) => Array.from({ length: users }, (_, i) => failure(t0 + (k * users + i) * 15_000, i, k)));

export default defineScenario({
  rule: 'password_spray',
  kind: 'okta',
  attack: (t0) => spray(t0, 10),
  nearMiss: (t0) => spray(t0, 9),
  expect: { user: `ip:${IP}`, severity: 'high' },
});
