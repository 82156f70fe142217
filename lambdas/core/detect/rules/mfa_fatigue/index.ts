/** ≥ threshold denied or unanswered push prompts for one user within the window. */
import { defineRule, isPushDenial, windowed } from '../kit.ts';

export default defineRule({
  id: 'mfa_fatigue',
  scope: 'user',
  settings: () => windowed(3, 10),
  concerns: isPushDenial,
  records: { signal: 'push_denial' },
  step(c, r) {
    const w = c.window('push_denial', r.windowMinutes);
    if (r.enabled && w.some((x) => x.uid === c.uid) && w.length >= r.threshold) {
      c.emit('high', w, `${w.length} denied or unanswered push prompts within ${r.windowMinutes} min (MFA fatigue)`);
    }
  },
});
