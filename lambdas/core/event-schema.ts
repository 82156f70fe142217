/**
 * The canonical event's zod schemas (CONTRACT §4): what the generic mapping and the tests validate
 * against. Apart from core/event.ts, which holds the constants and types without zod, so that a
 * function that does not validate never loads it.
 */
import * as z from 'zod';
import { CATEGORIES, CHANGES, FACTORS, ISO_MILLIS, OUTCOMES, SOURCE_KINDS } from './event.ts';
import { built, lazy } from './lazy.ts';

export const SourceKind = lazy(() => z.enum(SOURCE_KINDS));
export type SourceKind = z.infer<typeof SourceKind>;
export const Category = lazy(() => z.enum(CATEGORIES));
export type Category = z.infer<typeof Category>;
export const Outcome = lazy(() => z.enum(OUTCOMES));
export type Outcome = z.infer<typeof Outcome>;
export const Factor = lazy(() => z.enum(FACTORS));
export type Factor = z.infer<typeof Factor>;
export const Change = lazy(() => z.enum(CHANGES));
export type Change = z.infer<typeof Change>;
const IsoMillis = lazy(() => z.string().regex(ISO_MILLIS, 'expected ISO 8601 UTC with milliseconds'));
const str = lazy(() => z.string().nullable());

export const AuthEvent = lazy(() => z.object({
  tenant: z.string().min(1),
  source_id: z.string().min(1),
  source: built(SourceKind),
  event_uid: z.string().min(1).max(512),
  event_time: built(IsoMillis),
  ingest_time: built(IsoMillis),
  raw_event_type: built(str),
  category: built(Category).nullable(),
  outcome: built(Outcome).nullable(),
  reason: built(str),
  is_mfa: z.boolean().nullable(),
  factor: built(Factor).nullable(),
  factor_raw: built(str),
  user_id: built(str),
  user_login: built(str),
  user_email: built(str),
  actor_id: built(str),
  actor_login: built(str),
  src_ip: built(str),
  user_agent: built(str),
  os: built(str),
  browser: built(str),
  device_id: built(str),
  device_name: built(str),
  geo_country: z.string().regex(/^[A-Z]{2}$/, 'expected ISO 3166-1 alpha-2').nullable(),
  geo_region: built(str),
  geo_city: built(str),
  geo_lat: z.number().min(-90).max(90).nullable(),
  geo_lon: z.number().min(-180).max(180).nullable(),
  session_id: built(str),
  correlation_id: built(str),
  app_id: built(str),
  app_name: built(str),
  risk_level: built(str),
  // schema version 2: the object a change acted on, what it did, and the vendor's anonymizer flag
  target_type: built(str),
  target_id: built(str),
  target_name: built(str),
  change: built(Change).nullable(),
  anonymizer: z.boolean().nullable(),
  raw: built(str),
}));
export type AuthEvent = z.infer<typeof AuthEvent>;
