/**
 * One vendor session (`session_id`) used from two networks (IPv4 /24, IPv6 /48; an IPv4 and an
 * IPv6 address are not compared: dual-stack clients alternate between them) or with two user
 * agents within the window: one alert per session, for the session's user; medium, high when
 * both the network and the user agent changed. Only events of the session's own user count: an
 * admin's action on a user (`actor_*` set) is in the admin's session.
 *
 * Kept in the user's state (already read for the user's sign-ins: no extra read): per session,
 * each distinct context once, with its first and last use; the last use moves only when it is a
 * window old, or for free when the step writes the state anyway. A routine session costs one
 * state write when first seen, then at most one per window of use. A use in another context
 * counts within two windows of the recorded last use: every change within the window of the true
 * last use is caught, and changes up to two windows after it may count.
 */
import { createHash } from 'node:crypto';
import type { SessionSeen } from '../../engine.ts';
import { ipParts } from '../../../ip.ts';
import { defineRule, enabled, minutes, minutesMs, settingsOf, type Zod } from '../kit.ts';

/** The network of an address: IPv4 /24 (`198.51.100.0/24`), IPv6 /48; null when it is not an IP. */
export function networkOf(ip: string | null): string | null {
  const p = ipParts(ip);
  if (!p) return null;
  return p.family === 4 ? `${p.octets.slice(0, 3).join('.')}.0/24` : `${p.groups.slice(0, 3).join(':')}::/48`;
}

/** How stale a context's recorded last use may grow, in windows. */
const REFRESH = 1;
const family = (n: string) => (n.endsWith('/24') ? 4 : 6);
const digest = (ua: string) => createHash('sha256').update(ua).digest('base64url').slice(0, 12);

export default defineRule({
  id: 'session_anomaly',
  scope: 'user',
  settings: (z: Zod) => settingsOf(z, { enabled: enabled(z), windowMinutes: minutes(z), userAgent: z.boolean() }, { enabled: true, windowMinutes: 60, userAgent: true }),
  // The subject's own use of the session: an admin acting on a user (actor set) uses the admin's session.
  concerns: (e) => !!e.session_id && !e.actor_id && !e.actor_login && (!!networkOf(e.src_ip) || !!e.user_agent),
  step(c, r) {
    if (!r.enabled) return;
    const e = c.event;
    const W = minutesMs(r.windowMinutes);
    const n = networkOf(e.src_ip);
    const a = e.user_agent ? digest(e.user_agent) : null;
    const id = `${e.source_id}#${e.session_id}`;
    const sessions = (c.state.sessions ??= {});
    const s: SessionSeen = (sessions[id] ??= { c: [] });
    if (s.c.some((x) => x.u === c.uid)) return;
    // The session's other contexts in use within the window of this one.
    const near = s.c.filter((x) => c.at >= x.f - W && c.at <= x.l + W * (1 + REFRESH));
    const net = near.filter((x) => x.n && n && x.n !== n && family(x.n) === family(n));
    const ua = r.userAgent ? near.filter((x) => x.a && a && x.a !== a) : [];
    const same = s.c.find((x) => x.n === n && x.a === a);
    if (!same) {
      s.c.push({ n, a, f: c.at, l: c.at, u: c.uid });
      if (s.c.length > 8) s.c.splice(0, s.c.length - 8);
    } else if (c.at < same.f) Object.assign(same, { f: c.at, u: c.uid });
    else if (c.at > same.l) {
      // The last use moves when it is REFRESH old, or for free when the state is written anyway.
      if (c.at - same.l >= W * REFRESH) same.l = c.at;
      else c.ifWritten(() => { same.l = Math.max(same.l, c.at); });
    }
    const rank = net.length && ua.length ? 2 : net.length || ua.length ? 1 : 0;
    if (rank <= (s.x ?? 0)) return;
    s.x = rank;
    const other = [...net, ...ua][0]!;
    const what = [net.length ? `from ${other.n ?? 'another network'} and ${n}` : '', ua.length ? 'with a changed user agent' : ''].filter(Boolean).join(', ');
    c.emit(rank === 2 ? 'high' : 'medium', [{ uid: other.u, time: other.f }, c.mine], `one ${e.source} session used ${what} within ${r.windowMinutes} min (stolen session?)`);
  },
});
