/**
 * The hot table's physical layout (core/hot-item.ts builds its items), shared by the CDK table
 * definition and the local runtime's CreateTable so the two cannot drift.
 *
 * One index: `by_user`, keys only (a user's timeline reads its items by key). A tenant's events by
 * time come from the base table's own key.
 */
export const TABLE_LAYOUT = {
  partitionKey: 'pk',
  sortKey: 'sk',
  ttlAttribute: 'expires_at',
  indexes: [
    { name: 'by_user', partitionKey: 'uk', sortKey: 'sk' },
  ],
} as const;

/**
 * The layout before it (keyed `<source_id>#<event_uid>`, raw and every field as attributes, two
 * INCLUDE indexes): a deployment that upgrades keeps reading it for `hotDays` (the intake's
 * redelivery check, backfill).
 */
export const LEGACY_LAYOUT = {
  partitionKey: 'pk',
  timeIndex: { name: 'by_time', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  timeIndexShards: 16,
} as const;

/** The previous layout's time-index partitions of a tenant's day: its 16 write shards and the unsharded key before them. */
export const legacyTimePartitions = (tenant: string, dt: string): string[] => [
  ...Array.from({ length: LEGACY_LAYOUT.timeIndexShards }, (_, i) => `${tenant}#${dt}#${String(i).padStart(2, '0')}`),
  `${tenant}#${dt}`,
];
