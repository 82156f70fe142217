/**
 * The hot table's item: its keys, and the event packed into one compressed attribute.
 *
 * Layout (docs/HOT-STORE.md has the measured alternatives):
 * - `pk` = `<tenant>#<YYYY-MM-DD of event_time>#<shard>`: a tenant's day, write-sharded over
 *   `TIME_SHARDS` keys (the shard a hash of `source_id#event_uid`, so a redelivery lands on the
 *   same key). DynamoDB gives one partition key about 1,000 write units a second and does not
 *   split a partition whose writes arrive in sort-key order; 16 shards keep one tenant at 10,000
 *   events a second under it (test/unit/hot-store.test.ts computes it from these functions).
 * - `sk` = `<event_time>#<source_id>#<event_uid>`: a tenant's events by time come from the base
 *   table itself, newest first.
 * - `uk` = `<tenant>#<user key>`: the one index, `by_user` (sort key `sk`, keys only).
 * - `ip`: `src_ip` in clear, for the IP search's filter.
 * - `ev`: the canonical event (its non-null fields, and `raw` as parsed JSON when it round-trips
 *   exactly) as JSON, compressed: deflate with the vendor's dictionary (core/hot-dictionaries.ts,
 *   the shape of its events), or brotli for a source without one. An item then stays under 1 KB
 *   for most events: one write unit for the item and one for its index entry.
 *
 *   Format of `ev`: byte 0 = 1 (brotli, the rest is the stream) or 2 (deflate-raw; byte 1 = the
 *   dictionary set, byte 2 = the vendor's place in that set's sorted names; then the stream).
 *
 * A redelivered event is recognised by its key, which holds `event_time`: vendors redeliver the
 * same event with the same time (webhook retries, overlapping polls); every fixture's parsed time
 * is pinned by its `expected.json`, so a normalizer change cannot move it unnoticed.
 */
import { brotliCompressSync, brotliDecompressSync, constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { DICTIONARY_SETS } from './hot-dictionaries.ts';
import { AUTH_EVENT_FIELDS, type AuthEvent } from './event.ts';

export const TIME_SHARDS = 16;

/** FNV-1a, 32 bits: a stable, even spread of event ids over the shards. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** An event's identity: the source and the vendor's id (what redeliveries share). */
export const eventId = (e: Pick<AuthEvent, 'source_id' | 'event_uid'>) => `${e.source_id}#${e.event_uid}`;

export const shardOf = (id: string) => fnv1a(id) % TIME_SHARDS;

const pad = (n: number) => String(n).padStart(2, '0');

/** The item key of an event. */
export function hotKey(e: Pick<AuthEvent, 'tenant' | 'source_id' | 'event_uid' | 'event_time'>): { pk: string; sk: string } {
  const id = eventId(e);
  return { pk: `${e.tenant}#${e.event_time.slice(0, 10)}#${pad(shardOf(id))}`, sk: `${e.event_time}#${id}` };
}

/** Every partition key of a tenant's day, which a reader queries and merges. */
export const dayPartitions = (tenant: string, dt: string): string[] =>
  Array.from({ length: TIME_SHARDS }, (_, i) => `${tenant}#${dt}#${pad(i)}`);

/** The subject a tenant's investigators search by: email, else login, else the vendor's user id. */
export const userKey = (e: Pick<AuthEvent, 'user_email' | 'user_login' | 'user_id'>) => (e.user_email ?? e.user_login ?? e.user_id)?.toLowerCase() ?? null;

export const userPartition = (tenant: string, key: string) => `${tenant}#${key}`;

/** Packed form: `{ e: non-null fields but raw, r: raw parsed } | { e, s: raw as text }`. */
interface Packed { e: Record<string, unknown>; r?: unknown; s?: string }

/** The JSON an event is packed as. */
export function packedJson(e: AuthEvent): string {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) if (v !== null && v !== undefined && k !== 'raw') fields[k] = v;
  const p: Packed = { e: fields };
  if (typeof e.raw === 'string') {
    // Parsed JSON compresses better than JSON quoted inside JSON; kept as text unless exact.
    let parsed: unknown;
    try { parsed = JSON.parse(e.raw); } catch { parsed = undefined; }
    if (parsed !== undefined && JSON.stringify(parsed) === e.raw) p.r = parsed;
    else p.s = e.raw;
  }
  return JSON.stringify(p);
}

const BROTLI = 1;
const DEFLATE_DICTIONARY = 2;
/** The newest dictionary set writes; every set reads. */
const WRITE_SET = DICTIONARY_SETS.length;
const dictionaryCache = new Map<string, Buffer>();
function dictionary(set: number, vendor: number): Buffer {
  const id = `${set}/${vendor}`;
  let d = dictionaryCache.get(id);
  if (!d) {
    const names = Object.keys(DICTIONARY_SETS[set - 1] ?? {}).sort();
    const text = names[vendor] === undefined ? undefined : DICTIONARY_SETS[set - 1]![names[vendor]!];
    if (text === undefined) throw new Error(`hot item: no dictionary ${id}`);
    dictionaryCache.set(id, (d = Buffer.from(text, 'utf8')));
  }
  return d;
}

export function packEvent(e: AuthEvent): Uint8Array {
  const json = Buffer.from(packedJson(e), 'utf8');
  const vendor = WRITE_SET ? Object.keys(DICTIONARY_SETS[WRITE_SET - 1]!).sort().indexOf(e.source) : -1;
  if (vendor >= 0) {
    const body = deflateRawSync(json, { level: 9, dictionary: dictionary(WRITE_SET, vendor) });
    return Buffer.concat([Buffer.from([DEFLATE_DICTIONARY, WRITE_SET, vendor]), body]);
  }
  const body = brotliCompressSync(json, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: json.length },
  });
  return Buffer.concat([Buffer.from([BROTLI]), body]);
}

export function unpackEvent(bytes: Uint8Array): AuthEvent {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let json: Buffer;
  if (b[0] === BROTLI) json = brotliDecompressSync(b.subarray(1));
  else if (b[0] === DEFLATE_DICTIONARY && b.length >= 3) json = inflateRawSync(b.subarray(3), { dictionary: dictionary(b[1]!, b[2]!) });
  else throw new Error(`hot item: unknown packing ${b[0]}`);
  const p = JSON.parse(json.toString('utf8')) as Packed;
  const out: Record<string, unknown> = {};
  for (const f of AUTH_EVENT_FIELDS) out[f] = p.e[f] ?? null;
  out['raw'] = p.s ?? (p.r === undefined ? null : JSON.stringify(p.r));
  return out as unknown as AuthEvent;
}

/** The item of an event. `expires_at` counts from first storage, so a late event is still deduplicated for hotDays. */
export function toHotItem(e: AuthEvent, hotDays: number): Record<string, unknown> {
  const item: Record<string, unknown> = hotKey(e);
  const user = userKey(e);
  if (user) item['uk'] = userPartition(e.tenant, user);
  if (e.src_ip) item['ip'] = e.src_ip;
  item['expires_at'] = Math.floor(Date.parse(e.ingest_time) / 1000) + hotDays * 86_400;
  item['ev'] = packEvent(e);
  return item;
}

/** An item read back (a Query, a BatchGet, a stream NEW_IMAGE) to its event; null if it is not one. */
export function hotItemToEvent(item: Record<string, unknown>): AuthEvent | null {
  const ev = item['ev'];
  if (!(ev instanceof Uint8Array)) return null;
  return unpackEvent(ev);
}
