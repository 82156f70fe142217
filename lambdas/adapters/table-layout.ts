/**
 * The hot table's physical layout, shared by the CDK table definition and the local runtime's
 * CreateTable so the two cannot drift. Attribute names match `hot-store.ts`.
 */
export const TABLE_LAYOUT = {
  partitionKey: 'pk',
  ttlAttribute: 'expires_at',
  indexes: [
    { name: 'by_user', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'by_time', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;

/**
 * Canonical fields the indexes carry: schema version 1's fields but `raw`, which stays on the base
 * item only. Schema version 2's fields (`target_*`, `change`, `anonymizer`) stay on the base item
 * too: DynamoDB cannot change a deployed index's projection in place.
 */
export const INDEX_PROJECTION = [
  'tenant', 'source_id', 'source', 'event_uid', 'event_time', 'ingest_time', 'raw_event_type',
  'category', 'outcome', 'reason', 'is_mfa', 'factor', 'factor_raw', 'user_id', 'user_login',
  'user_email', 'actor_id', 'actor_login', 'src_ip', 'user_agent', 'os', 'browser', 'device_id',
  'device_name', 'geo_country', 'geo_region', 'geo_city', 'geo_lat', 'geo_lon', 'session_id',
  'correlation_id', 'app_id', 'app_name', 'risk_level',
] as const;
