/** A sign-in from a country never seen for the user, once the user has `learningDays` of history. */
import { defineRule, enabled, isSuccess, settingsOf, type Zod } from '../kit.ts';

export default defineRule({
  id: 'new_country',
  scope: 'user',
  settings: (z: Zod) => settingsOf(z, { enabled: enabled(z), learningDays: z.number().int().min(0).max(365) }, { enabled: true, learningDays: 14 }),
  concerns: isSuccess,
  step(c, r) {
    const e = c.event;
    const p = c.state.profile;
    if (!p || !e.geo_country) return;
    const first = p.countries[e.geo_country];
    if (first === undefined) {
      p.countries[e.geo_country] = c.at;
      if (r.enabled && c.learnedSince !== null && c.at - c.learnedSince >= r.learningDays * 86_400_000) {
        c.emit('medium', [c.mine], `a sign-in from ${e.geo_country}, a country never seen for this user${e.src_ip ? ` (IP ${e.src_ip})` : ''}`);
      }
    } else if (c.at < first) p.countries[e.geo_country] = c.at;
  },
});
