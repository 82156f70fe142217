/**
 * The hot table's write units per event under alternative designs, measured side by side on every
 * vendor fixture event (each normalized as its delivery path does) — the figures behind
 * docs/HOT-STORE.md. DynamoDB bills one write unit per started KB of the item and one per started
 * KB of each index entry (its keys, its projected attributes and about 100 bytes of overhead).
 *
 * The alternatives are measured on the previous layout's item (every field an attribute, `raw` as
 * text, two INCLUDE indexes), rebuilt here; the shipped layout (`packed`) on the real item builder.
 *
 *   node --import tsx bench/hot-designs.ts
 */
import { brotliCompressSync, constants } from 'node:zlib';
import { itemSize, toItem } from '../lambdas/adapters/hot-store.ts';
import { eventId, userKey } from '../lambdas/core/hot-item.ts';
import type { AuthEvent } from '../lambdas/core/event.ts';
import { legacyTimePartitions } from '../lambdas/adapters/table-layout.ts';
import { normalizedFixtureEvents } from '../test/helpers/fixtures.ts';

/** What the previous layout's indexes projected: every schema version 1 field but `raw`. */
const INDEX_PROJECTION = [
  'tenant', 'source_id', 'source', 'event_uid', 'event_time', 'ingest_time', 'raw_event_type',
  'category', 'outcome', 'reason', 'is_mfa', 'factor', 'factor_raw', 'user_id', 'user_login',
  'user_email', 'actor_id', 'actor_login', 'src_ip', 'user_agent', 'os', 'browser', 'device_id',
  'device_name', 'geo_country', 'geo_region', 'geo_city', 'geo_lat', 'geo_lon', 'session_id',
  'correlation_id', 'app_id', 'app_name', 'risk_level',
] as const;

/** The previous layout's item. */
function legacyItem(e: AuthEvent): Record<string, unknown> {
  const pk = eventId(e);
  const item: Record<string, unknown> = { pk };
  for (const [k, v] of Object.entries(e)) if (v !== null) item[k] = v;
  const user = userKey(e);
  if (user) { item['gsi1pk'] = `${e.tenant}#${user}`; item['gsi1sk'] = `${e.event_time}#${pk}`; }
  item['gsi2pk'] = legacyTimePartitions(e.tenant, e.event_time.slice(0, 10))[0];
  item['gsi2sk'] = `${e.event_time}#${pk}`;
  item['expires_at'] = Math.floor(Date.parse(e.ingest_time) / 1000) + 90 * 86_400;
  return item;
}

const KB = 1024;
const units = (bytes: number) => Math.ceil(bytes / KB);
const INDEX_OVERHEAD = 100;

type Item = Record<string, unknown>;
const entry = (item: Item, keys: string[], projected: readonly string[]) =>
  itemSize(Object.fromEntries([...keys, ...projected].map((k) => [k, item[k]]))) + INDEX_OVERHEAD;
const byUser = (item: Item, projected: readonly string[] = INDEX_PROJECTION) => (item['gsi1pk'] === undefined ? 0 : units(entry(item, ['pk', 'gsi1pk', 'gsi1sk'], projected)));
const byTime = (item: Item, projected: readonly string[] = INDEX_PROJECTION) => units(entry(item, ['pk', 'gsi2pk', 'gsi2sk'], projected));
const withoutRaw = (item: Item) => { const { raw: _, ...rest } = item; return rest; };
const compressedRaw = (item: Item) => {
  const raw = Buffer.from(String(item['raw'] ?? ''), 'utf8');
  const packed = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  // A binary attribute counts its bytes; stored as `raw_br`.
  return { size: itemSize(withoutRaw(item)) + 'raw_br'.length + packed.length, raw: raw.length, packed: packed.length };
};

const DESIGNS: { name: string; note: string; units: (item: Item, e: AuthEvent) => number }[] = [
  { name: 'previous', note: 'item with raw JSON + by_user + by_time (INCLUDE timeline fields)', units: (i) => units(itemSize(i)) + byUser(i) + byTime(i) },
  { name: 'raw brotli', note: 'raw compressed in the item (brotli q5) + both indexes', units: (i) => units(compressedRaw(i).size) + byUser(i) + byTime(i) },
  { name: 'no raw', note: 'raw staged in S3 per intake batch + both indexes', units: (i) => units(itemSize(withoutRaw(i))) + byUser(i) + byTime(i) },
  { name: 'no raw, KEYS_ONLY', note: 'as no raw, indexes project keys only (reads fetch items)', units: (i) => units(itemSize(withoutRaw(i))) + byUser(i, []) + byTime(i, []) },
  { name: 'no raw, by_user only', note: 'one index; the time path from the base table or a scan', units: (i) => units(itemSize(withoutRaw(i))) + byUser(i) },
  { name: 'raw brotli, by_user only', note: 'raw compressed in the item, one index', units: (i) => units(compressedRaw(i).size) + byUser(i) },
  {
    name: 'packed (shipped)', note: 'event + raw in one attribute (deflate, vendor dictionary), keyed by day shard + time, by_user KEYS_ONLY',
    units: (_, e) => {
      const item = toItem(e, 90);
      return units(itemSize(item)) + (item['uk'] === undefined ? 0 : units(itemSize({ uk: item['uk'], pk: item['pk'], sk: item['sk'] }) + INDEX_OVERHEAD));
    },
  },
];

const events = await normalizedFixtureEvents();
const items = events.map((e) => ({ kind: e.kind, event: e.event, item: legacyItem(e.event) }));
const kinds = [...new Set(items.map((x) => x.kind))];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

console.log(`hot-table write units per event by design (${items.length} vendor fixture events; target ≤ 2.0 all-in):`);
console.log(`  ${'design'.padEnd(26)} ${'all'.padStart(5)}  ${kinds.map((k) => k.slice(0, 8).padStart(8)).join(' ')}`);
for (const d of DESIGNS) {
  const all = mean(items.map((x) => d.units(x.item, x.event)));
  const per = kinds.map((k) => mean(items.filter((x) => x.kind === k).map((x) => d.units(x.item, x.event))).toFixed(2).padStart(8));
  console.log(`  ${d.name.padEnd(26)} ${all.toFixed(2).padStart(5)}  ${per.join(' ')}   ${d.note}`);
}
const c = items.map((x) => compressedRaw(x.item));
console.log(`  raw JSON ${Math.round(mean(c.map((x) => x.raw)))} bytes/event on average, brotli ${Math.round(mean(c.map((x) => x.packed)))} (ratio ${(mean(c.map((x) => x.raw)) / mean(c.map((x) => x.packed))).toFixed(1)}); item without raw ${Math.round(mean(items.map((x) => itemSize(withoutRaw(x.item)))))} bytes`);
