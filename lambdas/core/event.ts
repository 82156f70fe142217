/**
 * The canonical event (CONTRACT §4, schema version 2): one flat row per authentication-relevant
 * event, whatever identity provider sent it. The event's type comes from its schema
 * (core/event-schema.ts), never a hand-written twin; this module holds no zod, so a function that
 * only reads or writes events (archiver, compactor, exporters) does not load it.
 */
import type * as z from 'zod';
import type { AuthEvent as AuthEventSchema } from './event-schema.ts';

export const SCHEMA_VERSION = 2;

export const SOURCE_KINDS = [
  'okta', 'duo', 'entra', 'google_workspace', 'auth0', 'pingone', 'onelogin', 'jumpcloud',
  'keycloak', 'aws_signin', 'generic',
] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export const CATEGORIES = [
  'login', 'logout', 'sso', 'mfa_challenge', 'mfa_verify', 'mfa_bypass', 'factor_enroll',
  'factor_remove', 'factor_reset', 'lockout', 'unlock', 'fraud_report', 'admin', 'other',
  // schema version 2
  'policy_change', 'role_change', 'credential_change', 'idp_change', 'impersonation', 'password_reset',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const OUTCOMES = ['success', 'failure', 'denied', 'fraud', 'challenge', 'error', 'unknown'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const FACTORS = [
  'push', 'sms', 'voice', 'totp', 'hardware_token', 'webauthn', 'u2f', 'biometric', 'email',
  'password', 'bypass_code', 'certificate', 'security_question', 'remembered_device',
  'external_idp', 'other', 'unknown',
] as const;
export type Factor = (typeof FACTORS)[number];

/** What an admin, policy or credential change did to its target (schema version 2). */
export const CHANGES = ['create', 'update', 'activate', 'deactivate', 'delete', 'grant', 'revoke'] as const;
export type Change = (typeof CHANGES)[number];

/** ISO 8601 UTC with exactly three fraction digits, as every stored time is written. */
export const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export type AuthEvent = z.infer<typeof AuthEventSchema>;

/**
 * Column order of the canonical event: the archive, the DuckDB table and the docs use it. Spelled
 * out so that loading this module does not build the schema; a unit test holds it equal to
 * `Object.keys(AuthEvent.shape)`.
 */
export const AUTH_EVENT_FIELDS: (keyof AuthEvent)[] = [
  'tenant', 'source_id', 'source', 'event_uid', 'event_time', 'ingest_time', 'raw_event_type', 'category', 'outcome',
  'reason', 'is_mfa', 'factor', 'factor_raw', 'user_id', 'user_login', 'user_email', 'actor_id', 'actor_login', 'src_ip',
  'user_agent', 'os', 'browser', 'device_id', 'device_name', 'geo_country', 'geo_region', 'geo_city', 'geo_lat', 'geo_lon',
  'session_id', 'correlation_id', 'app_id', 'app_name', 'risk_level', 'target_type', 'target_id', 'target_name', 'change',
  'anonymizer', 'raw',
];

/** What a normalizer fills in; the pipeline adds tenant, source ids and ingest time. */
export type NormalizedFields = Omit<AuthEvent, 'tenant' | 'source_id' | 'source' | 'ingest_time'>;

/** Every optional field null: a normalizer spreads this first so no field is ever missing. */
export const EMPTY_FIELDS: Omit<NormalizedFields, 'event_uid' | 'event_time'> = {
  raw_event_type: null, category: null, outcome: null, reason: null, is_mfa: null, factor: null,
  factor_raw: null, user_id: null, user_login: null, user_email: null, actor_id: null,
  actor_login: null, src_ip: null, user_agent: null, os: null, browser: null, device_id: null,
  device_name: null, geo_country: null, geo_region: null, geo_city: null, geo_lat: null,
  geo_lon: null, session_id: null, correlation_id: null, app_id: null, app_name: null,
  risk_level: null, target_type: null, target_id: null, target_name: null, change: null,
  anonymizer: null, raw: null,
};

/**
 * A complete normalized event from the fields a vendor mapping knows; every other field null.
 * One object literal of fixed shape: spreading EMPTY_FIELDS and overriding most keys costs V8
 * a slow path (measured 22 µs per event, over half the normalizer's budget).
 */
export function canonical(p: Partial<NormalizedFields> & Pick<NormalizedFields, 'event_uid' | 'event_time'>): NormalizedFields {
  return {
    event_uid: p.event_uid, event_time: p.event_time, raw_event_type: p.raw_event_type ?? null,
    category: p.category ?? null, outcome: p.outcome ?? null, reason: p.reason ?? null, is_mfa: p.is_mfa ?? null,
    factor: p.factor ?? null, factor_raw: p.factor_raw ?? null, user_id: p.user_id ?? null, user_login: p.user_login ?? null,
    user_email: p.user_email ?? null, actor_id: p.actor_id ?? null, actor_login: p.actor_login ?? null, src_ip: p.src_ip ?? null,
    user_agent: p.user_agent ?? null, os: p.os ?? null, browser: p.browser ?? null, device_id: p.device_id ?? null,
    device_name: p.device_name ?? null, geo_country: p.geo_country ?? null, geo_region: p.geo_region ?? null,
    geo_city: p.geo_city ?? null, geo_lat: p.geo_lat ?? null, geo_lon: p.geo_lon ?? null, session_id: p.session_id ?? null,
    correlation_id: p.correlation_id ?? null, app_id: p.app_id ?? null, app_name: p.app_name ?? null,
    risk_level: p.risk_level ?? null, target_type: p.target_type ?? null, target_id: p.target_id ?? null,
    target_name: p.target_name ?? null, change: p.change ?? null, anonymizer: p.anonymizer ?? null, raw: p.raw ?? null,
  };
}
