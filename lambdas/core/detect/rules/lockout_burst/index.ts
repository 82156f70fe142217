/** ≥ threshold distinct users locked out across a tenant within the window (password spraying). */
import { defineRule, isLockout, windowed } from '../kit.ts';

export default defineRule({
  id: 'lockout_burst',
  scope: 'tenant',
  settings: () => windowed(5, 15),
  concerns: isLockout,
  records: { signal: 'lockout', withUser: true },
  step(c, r) {
    const w = c.window('lockout', r.windowMinutes, true);
    const users = new Set(w.map((o) => o.user)).size;
    if (r.enabled && w.some((x) => x.uid === c.uid) && users >= r.threshold) {
      c.emit('high', w, `${users} users locked out within ${r.windowMinutes} min across the tenant (password spraying?)`);
    }
  },
});
