/** A push approved after ≥ threshold denied or unanswered ones within the window. */
import { afterRun, defineRule, isPushDenial, isSuccess, minutesMs, windowed, type Zod } from '../kit.ts';

export default defineRule({
  id: 'push_approved_after_denials',
  scope: 'user',
  settings: (z: Zod) => windowed(z, 2, 15),
  concerns: (e) => isPushDenial(e) || isSuccess(e),
  step(c, r) {
    afterRun(c, 'push_denial', r, true, (n) => ['critical',
      `a push was approved after ${n} denied or unanswered prompt(s) within ${r.windowMinutes} min: possible MFA-fatigue success`]);
  },
  // A success after a run already under way may pair with a late denial of that run.
  keepSuccess: (c, r) => c.within('push_denial', c.at - minutesMs(r.windowMinutes), c.at).length > 0,
});
