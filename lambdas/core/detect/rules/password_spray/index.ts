/**
 * One source IP failing primary sign-ins for ≥ threshold distinct users of one tenant, with ≥
 * minFailures failures (at most maxPerUser counted per user: more on one account is brute force,
 * `brute_force`'s case), within the window. State is keyed by tenant and IP (`ip:<addr>`, also
 * the alert's `user`). Critical when a sprayed user then signs in successfully from that IP
 * within the window: a primary sign-in (`login`; app sign-ins within a session are not read for
 * it) is kept on the IP's state only when its user, and another user,
 * already failed from that IP within the window before it (routine sign-ins and a user's own
 * typo cost no state write; a success that arrives before the failures it follows is not kept,
 * so it cannot escalate).
 */
import type { Occurrence } from '../../engine.ts';
import { defineRule, enabled, isSignInFailure, isSuccess, minutes, minutesMs, settingsOf, type RuleContext, type Zod } from '../kit.ts';

const count = (z: Zod) => z.number().int().min(1).max(500);

type Settings = { enabled: boolean; threshold: number; minFailures: number; maxPerUser: number; windowMinutes: number };

/** The spray whose window holds `pivot`, if it reaches the thresholds: its failures, users and the sprayed users' successes after them. */
function spray(c: RuleContext, r: Settings, pivot: number) {
  const W = minutesMs(r.windowMinutes);
  const w = c.window('failure', r.windowMinutes, true, pivot);
  const perUser = new Map<string, number>();
  for (const o of w) perUser.set(o.user ?? '', (perUser.get(o.user ?? '') ?? 0) + 1);
  let counted = 0;
  for (const n of perUser.values()) counted += Math.min(n, r.maxPerUser);
  if (perUser.size < r.threshold || counted < r.minFailures) return null;
  const successes = c.within('success', w[0]!.time, w[w.length - 1]!.time + W)
    .filter((s) => w.some((f) => f.user === s.user && f.time <= s.time && s.time - f.time <= W));
  return { w, users: perUser.size, counted, successes };
}

export default defineRule({
  id: 'password_spray',
  scope: 'ip',
  settings: (z: Zod) => settingsOf(z, 
    { enabled: enabled(z), threshold: count(z), minFailures: count(z), maxPerUser: count(z), windowMinutes: minutes(z) },
    { enabled: true, threshold: 10, minFailures: 15, maxPerUser: 8, windowMinutes: 60 },
  ),
  concerns: (e) => !!e.src_ip && (isSignInFailure(e) || (isSuccess(e) && e.category === 'login')),
  records: { signal: 'failure', withUser: true, when: isSignInFailure },
  step(c, r) {
    const W = minutesMs(r.windowMinutes);
    let pivot = c.at;
    if (isSuccess(c.event)) {
      // Kept only after a failure of the same user from this IP within the window, while
      // another user also failed from it (a spray forming; a user's own typo costs no write).
      const failed = c.within('failure', c.at - W, c.at);
      const mine = failed.filter((f) => f.user === c.user);
      if (!mine.length || !failed.some((f) => f.user !== c.user)) return;
      c.record('success', { user: c.user });
      pivot = mine[mine.length - 1]!.time;
    }
    if (!r.enabled) return;
    const s = spray(c, r, pivot);
    if (!s || !(s.w.some((x) => x.uid === c.uid) || s.successes.some((x) => x.uid === c.uid))) return;
    const ip = c.key.slice('ip:'.length);
    const evidence: Occurrence[] = [...s.w, ...s.successes];
    c.emit(s.successes.length ? 'critical' : 'high', evidence,
      `${s.counted} failed sign-ins for ${s.users} users from ${ip} within ${r.windowMinutes} min (password spraying)` +
      (s.successes.length ? `; ${new Set(s.successes.map((x) => x.user)).size} of them then signed in from it` : ''));
  },
});
