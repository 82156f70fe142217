/** A factor change followed within the window by a sign-in from an IP the user never used before it. */
import type { Occurrence } from '../../engine.ts';
import { defineRule, enabled, isFactorChange, isSuccess, minutes, minutesMs, settingsOf, type RuleContext, type Zod } from '../kit.ts';

export default defineRule({
  id: 'factor_change_new_ip',
  scope: 'user',
  settings: (z: Zod) => settingsOf(z, { enabled: enabled(z), windowMinutes: minutes(z) }, { enabled: true, windowMinutes: 60 }),
  concerns: (e) => isFactorChange(e) || isSuccess(e),
  step(c, r) {
    const W = minutesMs(r.windowMinutes);
    if (isFactorChange(c.event)) newIpAfterChange(c, r, [c.mine], c.within('success', c.at, c.at + W));
    else if (c.event.src_ip) newIpAfterChange(c, r, c.within('factor_change', c.at - W, c.at), [c.mine]);
  },
  // The first sign-in from an IP is the one a late factor change pairs with.
  keepSuccess: (c) => !!c.event.src_ip && c.state.profile?.ips[c.event.src_ip]?.[0] === c.at,
});

function newIpAfterChange(c: RuleContext, r: { enabled: boolean; windowMinutes: number }, changes: readonly Occurrence[], successes: readonly Occurrence[]) {
  const p = c.state.profile;
  if (!r.enabled || !p) return;
  for (const ch of changes) {
    const knewBefore = Object.values(p.ips).some(([first]) => first < ch.time);
    if (!knewBefore) continue; // a new user's first IP is not news
    for (const ok of successes) {
      const first = ok.ip ? p.ips[ok.ip]?.[0] : undefined;
      if (first === undefined || first <= ch.time || ok.time < ch.time || ok.time - ch.time > minutesMs(r.windowMinutes)) continue;
      c.emit('high', [ch, ok], `an MFA factor change was followed within ${Math.round((ok.time - ch.time) / 60_000)} min by a sign-in from a new IP (${ok.ip})`);
      return;
    }
  }
}
