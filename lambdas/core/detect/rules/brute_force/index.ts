/** ≥ threshold failed sign-ins or MFA verifications for one user within the window. */
import { defineRule, isFailure, windowed } from '../kit.ts';

export default defineRule({
  id: 'brute_force',
  scope: 'user',
  settings: () => windowed(10, 15),
  concerns: isFailure,
  records: { signal: 'failure' },
  step(c, r) {
    const w = c.window('failure', r.windowMinutes);
    if (r.enabled && w.some((x) => x.uid === c.uid) && w.length >= r.threshold) {
      c.emit('medium', w, `${w.length} failed sign-ins or MFA verifications within ${r.windowMinutes} min`);
    }
  },
});
