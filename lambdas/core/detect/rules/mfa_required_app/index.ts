/** A successful sign-in without MFA to one of `apps` (app ids or names, case-insensitive). */
import { defineRule, enabled, isSuccess, settingsOf, withoutMfa, type Zod } from '../kit.ts';

export default defineRule({
  id: 'mfa_required_app',
  scope: 'user',
  settings: (z: Zod) => settingsOf(z, { enabled: enabled(z), apps: z.array(z.string().min(1)) }, { enabled: true, apps: [] as string[] }),
  concerns: isSuccess,
  step(c, r) {
    const e = c.event;
    if (r.enabled && withoutMfa(e) && r.apps.length) {
      const names = new Set(r.apps.map((x) => x.toLowerCase()));
      const hit = [e.app_id, e.app_name].find((x) => x && names.has(x.toLowerCase()));
      if (hit) c.emit('high', [c.mine], `a sign-in without MFA to ${e.app_name ?? e.app_id}, which the tenant marks as MFA-required`);
    }
  },
});
