/** Consecutive geolocated sign-ins (within the window) further apart than a plane could fly. */
import { defineRule, enabled, isSuccess, minutes, minutesMs, settingsOf, type Zod } from '../kit.ts';

/** Great-circle distance in km (haversine, mean Earth radius). */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

export default defineRule({
  id: 'impossible_travel',
  scope: 'user',
  settings: (z: Zod) => settingsOf(z, 
    { enabled: enabled(z), speedKmh: z.number().min(1).max(100_000), minDistanceKm: z.number().min(0).max(20_040), windowMinutes: minutes(z) },
    { enabled: true, speedKmh: 1000, minDistanceKm: 500, windowMinutes: 24 * 60 },
  ),
  concerns: isSuccess,
  // Its window bounds the places kept in the profile, not the evidence.
  windowKeepsEvidence: false,
  step(c, r) {
    const e = c.event;
    const p = c.state.profile;
    if (!p || e.geo_lat === null || e.geo_lon === null) return;
    const here = { lat: e.geo_lat, lon: e.geo_lon };
    const at = c.at;
    if (p.geo.some((g) => g.uid === c.uid)) return;
    const W = minutesMs(r.windowMinutes);
    const earlier = p.geo.filter((g) => g.time <= at).at(-1);
    const later = p.geo.find((g) => g.time > at);
    // A sign-in within an hour and 25 km of a kept one adds nothing (no state write): speeds
    // are then measured from a point at most an hour staler, which still catches any trip
    // faster than `speedKmh` that is not within an hour of the threshold.
    const redundant = p.geo.some((g) => Math.abs(g.time - at) <= 3_600_000 && distanceKm(g, here) <= 25);
    if (!redundant) {
      p.geo.push({ uid: c.uid, time: at, lat: here.lat, lon: here.lon, country: e.geo_country });
      p.geo.sort((a, b) => a.time - b.time);
      const newest = p.geo[p.geo.length - 1]!.time;
      p.geo = p.geo.filter((g) => g.time >= newest - W).slice(-32);
    }
    if (!r.enabled) return;
    for (const n of [earlier, later]) {
      if (!n || Math.abs(n.time - at) > W) continue;
      const km = distanceKm(n, here);
      const hours = Math.abs(n.time - at) / 3_600_000;
      const kmh = hours > 0 ? km / hours : Number.POSITIVE_INFINITY;
      if (km < r.minDistanceKm || kmh <= r.speedKmh) continue;
      const [from, to] = n.time <= at ? [n.country, e.geo_country] : [e.geo_country, n.country];
      c.emit('high', [{ uid: n.uid, time: n.time }, c.mine],
        `consecutive sign-ins ${Math.round(km)} km apart in ${Math.round(hours * 60)} min (${Number.isFinite(kmh) ? `${Math.round(kmh)} km/h` : 'at the same time'})${from && to ? `: ${from} → ${to}` : ''}`);
      return;
    }
  },
});
