/**
 * The archive format (CONTRACT §5): one Parquet object per tenant and `event_time` day per
 * archiver batch, typed columns in canonical order. `tenant` and `dt` are partition columns:
 * they live in the object key (`events/tenant=<t>/dt=<YYYY-MM-DD>/`), not in the file, as
 * Athena and DuckDB's hive partitioning expect.
 */
import { createHash } from 'node:crypto';
import { AUTH_EVENT_FIELDS, canonical, type AuthEvent } from './event.ts';

export const EVENTS_PREFIX = 'events/';

export type ColumnType = 'STRING' | 'TIMESTAMP' | 'BOOLEAN' | 'DOUBLE';

const TYPES: Partial<Record<keyof AuthEvent, ColumnType>> = {
  event_time: 'TIMESTAMP', ingest_time: 'TIMESTAMP', is_mfa: 'BOOLEAN', anonymizer: 'BOOLEAN', geo_lat: 'DOUBLE', geo_lon: 'DOUBLE',
};

/** Data columns of an archive object, in order, with their Parquet type. */
export const ARCHIVE_COLUMNS: readonly { name: Exclude<keyof AuthEvent, 'tenant'>; type: ColumnType }[] =
  AUTH_EVENT_FIELDS.filter((f): f is Exclude<keyof AuthEvent, 'tenant'> => f !== 'tenant').map((name) => ({ name, type: TYPES[name] ?? 'STRING' }));

/** Glue / Athena column type of each archive column. */
export const GLUE_TYPES: Record<ColumnType, string> = { STRING: 'string', TIMESTAMP: 'timestamp', BOOLEAN: 'boolean', DOUBLE: 'double' };

export const partitionOf = (e: Pick<AuthEvent, 'tenant' | 'event_time'>) => ({ tenant: e.tenant, dt: e.event_time.slice(0, 10) });

/** Groups events by (tenant, event_time day): late events land in the day they happened. */
export function groupByPartition(events: readonly AuthEvent[]): Map<string, { tenant: string; dt: string; events: AuthEvent[] }> {
  const groups = new Map<string, { tenant: string; dt: string; events: AuthEvent[] }>();
  for (const e of events) {
    const { tenant, dt } = partitionOf(e);
    const k = `${tenant}/${dt}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { tenant, dt, events: [] }));
    g.events.push(e);
  }
  return groups;
}

/** An archive object's key; `name` comes from the stream records it holds (see stream-commit.ts). */
export const archiveKey = (tenant: string, dt: string, name: string) => `${EVENTS_PREFIX}tenant=${tenant}/dt=${dt}/${name}.parquet`;

/** A hot-table item (or stream NEW_IMAGE) back to the canonical event; null if it is not one. */
export function itemToEvent(item: Record<string, unknown>): AuthEvent | null {
  if (typeof item['event_uid'] !== 'string' || typeof item['tenant'] !== 'string' || typeof item['event_time'] !== 'string') return null;
  const p = item as Partial<AuthEvent> & Pick<AuthEvent, 'event_uid' | 'event_time'>;
  return { tenant: item['tenant'] as string, source_id: item['source_id'] as string, source: item['source'] as AuthEvent['source'], ingest_time: item['ingest_time'] as string, ...canonical(p) };
}

export const ALERTS_PREFIX = 'alerts/';

/**
 * Alerts are archived by the day of their first event: every later version of an alert (its
 * count grew) lands in the same partition, and the newest version has the highest count.
 */
export function alertKey(tenant: string, firstEventTime: string, body: Uint8Array): string {
  const sha256 = createHash('sha256').update(body).digest('hex');
  return `${ALERTS_PREFIX}tenant=${tenant}/dt=${firstEventTime.slice(0, 10)}/alerts-${sha256.slice(0, 32)}.parquet`;
}
