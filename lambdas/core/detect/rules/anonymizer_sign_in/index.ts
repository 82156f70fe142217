/**
 * A successful sign-in the vendor flagged as coming through a proxy, Tor exit or anonymizing VPN:
 * the first per user within `windowMinutes` (6 h), medium. Later ones within the window count in
 * the same alert; a user working through a consumer VPN all day raises one alert, not one per sign-in.
 */
import { defineRule, enabled, isAnonymizedSignIn, minutes, minutesMs, settingsOf, type Zod } from '../kit.ts';

export default defineRule({
  id: 'anonymizer_sign_in',
  scope: 'user',
  settings: (z: Zod) => settingsOf(z, { enabled: enabled(z), windowMinutes: minutes(z) }, { enabled: true, windowMinutes: 360 }),
  concerns: isAnonymizedSignIn,
  windowKeepsEvidence: false,
  step(c, r) {
    if (!r.enabled) return;
    c.emit('medium', [{ uid: c.uid, time: c.at }], `successful sign-in through a proxy, Tor exit or anonymizing VPN${c.event.src_ip ? ` (${c.event.src_ip})` : ''}`);
    // One alert per window from its first sign-in: later ones within it only count.
    const open = c.state.open.anonymizer_sign_in;
    if (open) {
      const until = Date.parse(open.alert.first_event_time) + minutesMs(r.windowMinutes);
      if (open.until < until) c.state.open.anonymizer_sign_in = { ...open, until };
    }
  },
});
