/**
 * A source that delivered events is silent for longer than `gapMinutes` (per source in
 * `sources`). Not a step over events: the feed-health schedule calls `feedSilence`.
 */
import { createHash } from 'node:crypto';
import type { Alert } from '../../engine.ts';
import { defineRule, enabled, minutesMs, settingsOf, TENANT_WIDE, type Zod } from '../kit.ts';

export default defineRule({
  id: 'feed_silence',
  scope: 'feed',
  settings: (z: Zod) => settingsOf(z, 
    { enabled: enabled(z), gapMinutes: z.number().int().min(5).max(7 * 24 * 60), sources: z.record(z.string(), z.number().int().min(5).max(7 * 24 * 60)) },
    { enabled: true, gapMinutes: 60, sources: {} as Record<string, number> },
  ),
});

const iso = (t: number) => new Date(t).toISOString();

/**
 * Feed silence: a source that delivered events (last stored at `lastIngest`) has been silent
 * for longer than its gap. One alert per silence: the id derives from the last delivery.
 */
export function feedSilence(o: {
  tenant: string; sourceId: string; gapMinutes: number; now: number;
  lastIngest: number; lastEventTime: number; lastUid: string | null;
}): Alert | null {
  const silent = o.now - o.lastIngest;
  if (silent <= minutesMs(o.gapMinutes)) return null;
  return {
    alert_id: createHash('sha256').update(`feed_silence|${o.tenant}|${o.sourceId}|${o.lastIngest}`).digest('hex').slice(0, 24),
    rule: 'feed_silence', severity: 'medium', tenant: o.tenant, user: TENANT_WIDE,
    first_event_time: iso(o.lastEventTime), last_event_time: iso(o.lastEventTime), count: 1,
    summary: `source ${o.sourceId} delivered no events for ${Math.round(silent / 60_000)} min (expected gap ${o.gapMinutes} min); last event stored ${iso(o.lastIngest)}`,
    event_uids: o.lastUid ? [o.lastUid] : [],
  };
}
