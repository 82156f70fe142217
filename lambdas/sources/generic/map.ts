/**
 * `kind: generic`: canonical AuthEvent JSON (CONTRACT §4) from any other system — endpoint
 * agents, in-house apps. The sender fills the canonical fields; authtrail sets tenant, source
 * and ingest time itself, so a sender cannot write into another tenant.
 *
 * @example {"event_uid":"evt-1","event_time":"2026-11-21T08:59:58.123Z","category":"login","outcome":"success","user_login":"jo@example.com"}
 */
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical } from '../../core/event.ts';
import { AuthEvent } from '../../core/event-schema.ts';
import { cleanIp, toCountryCode, toIsoMillis } from '../../core/fields.ts';
import { event, parseItem, reject, type Normalizer } from '../../core/normalizer.ts';

const Incoming = lazy(() => built(AuthEvent).omit({ tenant: true, source_id: true, source: true, ingest_time: true, raw: true })
  .partial()
  .extend({
    event_uid: z.string().min(1).max(512),
    event_time: z.union([z.string(), z.number()]),
    geo_country: z.string().nullish(),
    tenant: z.unknown().optional(),
    source_id: z.unknown().optional(),
    source: z.unknown().optional(),
    ingest_time: z.unknown().optional(),
    raw: z.unknown().optional(),
  }));

export const generic: Normalizer = {
  kind: 'generic',
  docs: 'CONTRACT.md §4 (canonical AuthEvent)',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload;
    if (payload && typeof payload === 'object' && Array.isArray((payload as { events?: unknown }).events)) return (payload as { events: unknown[] }).events;
    return [payload];
  },
  normalize(item) {
    const parsed = parseItem(Incoming, item, 'generic');
    if (!parsed.ok) return parsed.result;
    const { tenant: _t, source_id: _s, source: _k, ingest_time: _i, raw, ...e } = parsed.value;
    const eventTime = toIsoMillis(e.event_time);
    if (!eventTime) return reject(`generic event ${e.event_uid}: "event_time" is not a time`);
    const fields = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v ?? null]));
    return event(canonical({
      ...fields,
      event_uid: e.event_uid,
      event_time: eventTime,
      src_ip: cleanIp(e.src_ip),
      geo_country: toCountryCode(e.geo_country),
      raw: raw === undefined ? JSON.stringify(item) : typeof raw === 'string' ? raw : JSON.stringify(raw),
    }));
  },
};
