/** A successful sign-in after ≥ threshold failures within the window. */
import { afterRun, defineRule, isFailure, isSuccess, minutesMs, windowed, type Zod } from '../kit.ts';

export default defineRule({
  id: 'success_after_failures',
  scope: 'user',
  settings: (z: Zod) => windowed(z, 5, 15),
  concerns: (e) => isFailure(e) || isSuccess(e),
  step(c, r) {
    afterRun(c, 'failure', r, false, (n) => ['medium',
      `a successful sign-in after ${n} failures within ${r.windowMinutes} min: the guessing may have worked`]);
  },
  // A success after failures already under way may pair with a late failure of that run.
  keepSuccess: (c, r) => c.within('failure', c.at - minutesMs(r.windowMinutes), c.at).length > 0,
});
