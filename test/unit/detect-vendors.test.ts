/**
 * The thirteen rules authtrail first shipped, fed by every mapped vendor: for each vendor whose
 * fixtures (test/fixtures/<kind>/) hold the events a rule needs, those events — normalized by the
 * vendor's real normalizer, repeated with new ids and times where the rule counts — raise the
 * rule's alert for the event's own user. (The rules added since test their vendors in their folders.)
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { userOf } from '../../lambdas/core/detect/engine.ts';
import { isBypass, isFactorChange, isFailure, isFraud, isLockout, isPushDenial, isSuccess, withoutMfa } from '../../lambdas/core/detect/rules/kit.ts';
import { AlertsConfig } from '../../lambdas/core/detect/settings.ts';
import type { AuthEvent, SourceKind } from '../../lambdas/core/event.ts';
import { play, T0, vendorEvents } from '../helpers/detect.ts';

const VENDORS: SourceKind[] = ['okta', 'duo', 'entra', 'google_workspace', 'auth0', 'pingone', 'onelogin', 'keycloak', 'jumpcloud', 'aws_signin'];
const MINUTE = 60_000;
/** `e` again as the `i`-th event of a sequence: its own id, `minutes` after T0, optionally another user. */
const again = (e: AuthEvent, i: number, minutes: number, user?: string): AuthEvent => ({
  ...e, event_uid: `${e.event_uid}~${i}`, event_time: new Date(T0 + minutes * MINUTE).toISOString(),
  ...(user ? { user_email: user, user_login: user, user_id: user } : {}),
});
/** `e` as done by `user`. */
const by = (e: AuthEvent, user: string): AuthEvent => ({ ...e, user_email: user, user_login: user, user_id: user });
const first = (kind: SourceKind, pick: (e: AuthEvent) => boolean) => vendorEvents(kind, (e) => pick(e) && !!userOf(e))[0];

interface Case {
  /** The sequence built from a vendor's events, or null when its fixtures hold none of the kind. */
  build(kind: SourceKind): { events: AuthEvent[]; user: string; settings?: Record<string, unknown> } | null;
  /** At least this many vendors' fixtures hold such events (as many as today: a mapping that stops producing them fails). */
  vendors: number;
}

const CASES: Record<string, Case> = {
  mfa_fatigue: { vendors: 7, build: (k) => { const d = first(k, isPushDenial); return d ? { events: [0, 1, 2].map((i) => again(d, i, i)), user: userOf(d)! } : null; } },
  brute_force: { vendors: 10, build: (k) => { const f = first(k, isFailure); return f ? { events: Array.from({ length: 10 }, (_, i) => again(f, i, i)), user: userOf(f)! } : null; } },
  lockout_burst: { vendors: 9, build: (k) => { const l = first(k, isLockout); return l ? { events: [0, 1, 2, 3, 4].map((i) => again(l, i, i, `locked${i}@example.com`)), user: '*' } : null; } },
  bypass_code: { vendors: 3, build: (k) => { const b = first(k, isBypass); return b ? { events: [b], user: userOf(b)! } : null; } },
  fraud_report: { vendors: 4, build: (k) => { const f = first(k, isFraud); return f ? { events: [f], user: userOf(f)! } : null; } },
  factor_change: { vendors: 10, build: (k) => { const c = first(k, isFactorChange); return c ? { events: [c], user: userOf(c)! } : null; } },
  success_after_failures: { vendors: 10, build: (k) => {
    const f = first(k, isFailure);
    const s = first(k, isSuccess);
    if (!f || !s) return null;
    const user = userOf(f)!;
    return { events: [...[0, 1, 2, 3, 4].map((i) => again(f, i, i)), again(by(s, user), 9, 6)], user };
  } },
  push_approved_after_denials: { vendors: 5, build: (k) => {
    const d = first(k, isPushDenial);
    const ok = first(k, (e) => isSuccess(e) && e.factor === 'push');
    if (!d || !ok) return null;
    const user = userOf(d)!;
    return { events: [again(d, 0, 0), again(d, 1, 1), again(by(ok, user), 2, 3)], user };
  } },
  mfa_required_app: { vendors: 7, build: (k) => {
    const s = first(k, (e) => isSuccess(e) && withoutMfa(e) && !!(e.app_name ?? e.app_id));
    return s ? { events: [s], user: userOf(s)!, settings: { apps: [s.app_name ?? s.app_id] } } : null;
  } },
};

describe('the first thirteen rules, from every mapped vendor\'s events', () => {
  for (const [rule, c] of Object.entries(CASES)) {
    it(rule, () => {
      const reached: string[] = [];
      for (const kind of VENDORS) {
        const seq = c.build(kind);
        if (!seq) continue;
        const settings = AlertsConfig.parse(seq.settings ? { tenants: { acme: { rules: { [rule]: seq.settings } } } } : {});
        const mine = play(seq.events, settings).raised.filter((a) => a.rule === rule);
        assert.deepEqual(mine.map((a) => [a.rule, a.user]), [[rule, seq.user]], `${kind}: ${JSON.stringify(seq.events[0])}`);
        reached.push(kind);
      }
      assert.ok(reached.length >= c.vendors, `${rule}: only ${reached.join(', ') || 'no vendor'}`);
      console.log(`# ${rule}: ${reached.join(', ')}`);
    });
  }
});
