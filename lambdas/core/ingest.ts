/**
 * The ingest pipeline, shared by the webhook, EventBridge and pull intakes:
 * authenticate → decode → parse → normalize → store, with what cannot be stored quarantined.
 * Pure orchestration over ports; every AWS call lives in an adapter.
 *
 * Nothing lost, nothing doubled. Every item of a body ends in exactly one of: stored now
 * (`accepted`), stored before (`duplicates`: the hot store's conditional write makes this exact
 * under any concurrency), kept in the quarantine (`quarantined`: it can never be stored as it
 * is), or ignored by its normalizer (not an authentication event). The answer follows one rule:
 *
 *   2xx only when every item of the body is accounted for durably; otherwise 503 with
 *   `retry-after`, and the sender's redelivery completes the job.
 *
 * A 503 after part of a body was stored is safe only because redelivery is idempotent: stored
 * events come back as `duplicates` (never rewritten) and the quarantine object of a body is
 * named after its content, so a retry rewrites it instead of adding a copy. A 200 would instead
 * lose what failed. Hence, path by path:
 * - every item stored, duplicate or quarantined                       → 200 with exact counts;
 * - an item the hot table can never take (too large, a value DynamoDB
 *   refuses)                                                          → quarantined, 200;
 * - an item that failed transiently (throttling, 5xx, DynamoDB
 *   unreachable) after the store's retries, whatever else was stored  → 503 (CONTRACT §3's
 *   "5xx only when nothing could be stored" is the case where *all* items failed; a partial
 *   failure is answered 503 too, because a 200 would drop the failed items);
 * - the quarantine write failed while something had to be quarantined → 503 (the rejected
 *   items are not safely kept anywhere), stored events or not;
 * - a body that is not UTF-8, not JSON/NDJSON, does not inflate, or has
 *   an unknown content-encoding                                        → quarantined byte-exact,
 *   400 invalid_body; if that quarantine write fails                   → 503;
 * - too large (> 5 MiB as sent, > 20 MiB inflated, > 200,000 objects
 *   and arrays, > 3 M values, > 200,000 NDJSON lines that are not
 *   JSON: see body.ts)                                                 → 413, nothing kept
 *   (the sender must split the body).
 * The EventBridge and pull intakes follow the same rule by throwing instead of answering 503
 * (EventBridge's retry policy and DLQ, or the poller's unmoved cursor, redeliver).
 */
import { createHash } from 'node:crypto';
import { authenticate as authenticateRequest, type Headers } from './auth.ts';
import { decodeBody, limitDepth, MAX_DEPTH, stringifyJson, type DepthLimit } from './body.ts';
import type { Config, Source } from './config.ts';
import { findSource } from './config-lookup.ts';
import { ISO_MILLIS, type AuthEvent } from './event.ts';
import { safeNormalize, type Normalizer } from './normalizer.ts';
import { parseUserAgent } from './fields.ts';
import { normalizerFor } from '../sources/index.ts';

/** API Gateway passes at most 10 MB and Lambda takes at most 6 MB per invocation, base64 and headers included. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** What the hot store did with one `putNew` call; indexes refer to the events passed in. */
export interface StoreOutcome {
  /** Newly stored. */
  accepted: number;
  /** Already stored (a redelivery); never rewritten. */
  duplicates: number;
  /** Events the store can never take as they are (too large, a value it refuses): quarantine them. */
  rejected?: { index: number; reason: string }[];
  /** Events not stored because of a transient failure, after retries: do not acknowledge them. */
  failed?: { index: number; reason: string }[];
}

export interface HotStore {
  /** Stores events not yet stored, each at most once however many deliveries race. */
  putNew(events: readonly AuthEvent[]): Promise<StoreOutcome>;
}

export type QuarantineOrigin = 'webhook' | 'eventbridge' | 'pull';
/** What a reject group's ranges count: items of the unwrapped body, NDJSON lines (1-based), or the whole body. */
export type RejectUnit = 'item' | 'line' | 'body';

export interface RejectGroup {
  reason: string;
  unit: RejectUnit;
  count: number;
  /** Inclusive runs of item indexes (or line numbers); none for `body`. */
  ranges: [number, number][];
  /** Set when more runs existed than are listed (the count stays exact). */
  ranges_truncated?: true;
}

/** One quarantined body: the bytes as received, once, and which of its items were rejected, why. */
export interface QuarantineRecord {
  /** Content hash of source id, content-encoding and body: a redelivery has the same id. */
  readonly id: string;
  readonly tenant: string;
  readonly source_id: string;
  readonly received_time: string;
  readonly origin: QuarantineOrigin;
  /** Exactly as received (compressed if it came compressed); EventBridge and pull: the JSON text. */
  readonly body: Buffer;
  readonly content_encoding: string | null;
  /** How many items the body was split into (0 when it could not be parsed). */
  readonly items: number;
  /** How many of them (or NDJSON lines, or the body itself) are quarantined. */
  readonly quarantined: number;
  readonly reasons: readonly RejectGroup[];
}

export interface QuarantineSink {
  /** Writes (or rewrites: same id, same object) a quarantine record. */
  put(record: QuarantineRecord): Promise<void>;
}

export type SecretResolver = (ref: { value?: string | undefined; arn?: string | undefined }) => Promise<string>;

/**
 * A tenant's privacy policy at intake (core/privacy.ts, adapters/privacy.ts): how its events are
 * stored, and the vault record of the pseudonyms they introduce, written before them. Null when
 * the tenant's policy changes nothing. Throws when the tenant's key cannot be read: nothing of
 * the body is stored then, and the sender's retry delivers it once the key is back.
 */
export interface PrivacyPort {
  forTenant(tenant: string): Promise<{ apply: (e: AuthEvent, vault: Map<string, string>) => AuthEvent; record: (vault: ReadonlyMap<string, string>) => Promise<void> } | null>;
}

export interface IngestDeps {
  readonly config: Config;
  readonly store: HotStore;
  readonly quarantine: QuarantineSink;
  readonly secrets: SecretResolver;
  readonly privacy?: PrivacyPort;
  readonly now?: () => Date;
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
  quarantined: number;
}

export interface HttpRequest {
  readonly method: string;
  readonly sourceId: string;
  /** Lower-case header names. */
  readonly headers: Headers;
  /** The body exactly as received (still compressed when `content-encoding` says so). */
  readonly body: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  /** For the log only: why the answer is not 200. */
  readonly problems?: readonly string[];
}

/** Thrown by the EventBridge/pull entry points when part of a payload is not durably kept: retry it. */
export class IngestIncompleteError extends Error {
  override name = 'IngestIncompleteError';
}

const error = (status: number, code: string, message: string): HttpResponse => ({ status, body: { error: code, message } });
const unavailable = (problems: string[]): HttpResponse => ({
  status: 503,
  body: { error: 'unavailable', message: 'part of the body could not be stored right now; retry later (what was stored then counts as duplicates)' },
  headers: { 'retry-after': '5' },
  problems,
});
const messageOf = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 300);

/** The quarantine "tenant" of events that no configured source claims. */
export const UNROUTED_TENANT = '_unrouted';

/** Stable id of a quarantined body: the same delivery, retried, is the same object. */
export function quarantineId(sourceId: string, contentEncoding: string | null, body: Uint8Array): string {
  return createHash('sha256').update(`${sourceId}\n${contentEncoding ?? ''}\n`).update(body).digest('hex').slice(0, 32);
}

/** Distinct reasons kept per body; the rest are counted under OTHER_REASONS. */
export const MAX_REASONS = 100;
/** Runs of indexes kept per body (over all reasons). */
export const MAX_RANGES = 10_000;
export const MAX_REASON_CHARS = 1_000;
export const OTHER_REASONS = 'other reasons';

/** Rejected items grouped by reason, as run-length ranges; bounded whatever the body holds. */
export class RejectIndex {
  private readonly groups = new Map<string, RejectGroup>();
  private distinct = 0;
  private runs = 0;
  total = 0;

  add(reason: string, unit: RejectUnit, index: number): void {
    this.total++;
    const text = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
    const key = `${unit}\u0000${text}`;
    let g = this.groups.get(key);
    if (!g && this.distinct < MAX_REASONS) {
      this.distinct++;
      g = { reason: text, unit, count: 0, ranges: [] };
      this.groups.set(key, g);
    } else if (!g) {
      const other = `${unit}\u0001`;
      g = this.groups.get(other);
      if (!g) { g = { reason: OTHER_REASONS, unit, count: 0, ranges: [] }; this.groups.set(other, g); }
    }
    g.count++;
    if (unit === 'body') return;
    const last = g.ranges[g.ranges.length - 1];
    if (last && last[1] === index - 1) last[1] = index;
    else if (this.runs < MAX_RANGES) { g.ranges.push([index, index]); this.runs++; }
    else g.ranges_truncated = true;
  }

  /** The groups, each with sorted, merged ranges (items rejected by the store come in late). */
  list(): RejectGroup[] {
    return [...this.groups.values()].map((g) => {
      const sorted = g.ranges.sort((a, b) => a[0] - b[0]);
      const merged: [number, number][] = [];
      for (const r of sorted) {
        const last = merged[merged.length - 1];
        if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
        else merged.push([r[0], r[1]]);
      }
      return { ...g, ranges: merged };
    });
  }
}

const kindOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);

interface Delivery {
  readonly source: Source;
  readonly payload: unknown;
  readonly origin: QuarantineOrigin;
  /** `ingest_time` of new events. */
  readonly received: string;
  /** `received_time` of the quarantine record (a replay keeps the original one). */
  readonly quarantineTime: string;
  /** The body to quarantine, built only when something is rejected. */
  readonly body: () => { bytes: Buffer; encoding: string | null };
  readonly badLines?: readonly number[];
  readonly depth?: DepthLimit;
}

interface Outcome extends IngestResult {
  /** Every item is stored, a duplicate, ignored or durably quarantined. */
  complete: boolean;
  problems: string[];
}

export function createIngest(deps: IngestDeps) {
  const now = deps.now ?? (() => new Date());

  const record = (source: { id: string; tenant: string }, o: { origin: QuarantineOrigin; received: string; bytes: Buffer; encoding: string | null; items: number; index: RejectIndex }): QuarantineRecord => ({
    id: quarantineId(source.id, o.encoding, o.bytes),
    tenant: source.tenant, source_id: source.id, received_time: o.received, origin: o.origin,
    body: o.bytes, content_encoding: o.encoding, items: o.items, quarantined: o.index.total, reasons: o.index.list(),
  });

  /** Normalizes a parsed payload for one source, stores what is new and quarantines what is not storable. */
  /** One body's items → canonical events, each traced to its item; what cannot be one goes to `index`. */
  function toEvents(d: Delivery, normalizer: Normalizer | undefined, items: readonly unknown[], index: RejectIndex) {
    const { source } = d;
    const events: AuthEvent[] = [];
    const itemOf: number[] = [];
    const seen = new Set<string>();
    let inBodyDuplicates = 0;
    for (let i = 0; normalizer && i < items.length; i++) {
      const item = items[i];
      // Cheap paths first: no normalizer call for what cannot be an event.
      if (d.depth?.tooDeep(item)) { index.add(`the item is nested deeper than ${MAX_DEPTH} levels`, 'item', i); continue; }
      if (item === null || typeof item !== 'object' || Array.isArray(item)) { index.add(`the item is ${kindOf(item)}, not a JSON object`, 'item', i); continue; }
      const r = safeNormalize(normalizer, item);
      if (r.kind === 'ignore') continue;
      if (r.kind === 'reject') { index.add(r.reason, 'item', i); continue; }
      const e = r.event;
      // Guards that keep one bad item from failing a whole batch write.
      if (!ISO_MILLIS.test(e.event_time) || !e.event_uid || Buffer.byteLength(e.event_uid) > 512) {
        index.add('normalized event has no usable event_uid or event_time', 'item', i);
        continue;
      }
      // Redelivered events inside one body count as duplicates too.
      if (seen.has(e.event_uid)) { inBodyDuplicates++; continue; }
      seen.add(e.event_uid);
      // Vendors that send only the raw agent get OS and browser parsed here, once for all of them.
      if (e.user_agent && (!e.os || !e.browser)) {
        const parsed = parseUserAgent(e.user_agent);
        e.os ??= parsed.os;
        e.browser ??= parsed.browser;
      }
      // Known keys first, then the spread: the other order costs V8 a slow path (~12 µs per event).
      events.push({ tenant: source.tenant, source_id: source.id, source: source.kind, ingest_time: d.received, ...e });
      itemOf.push(i);
    }
    return { events, itemOf, inBodyDuplicates };
  }

  async function run(d: Delivery): Promise<Outcome> {
    const { source } = d;
    const index = new RejectIndex();
    for (const line of d.badLines ?? []) index.add('NDJSON line is not JSON', 'line', line);
    const normalizer = normalizerFor(source.kind);
    let items: unknown[] = [];
    if (!normalizer) {
      index.add(`no normalizer for source kind "${source.kind}" in this version`, 'body', 0);
    } else {
      try {
        items = normalizer.unwrap(d.payload);
      } catch (err) {
        index.add(`the body could not be split into ${source.kind} events: ${messageOf(err)}`, 'body', 0);
      }
    }
    const itemCount = items.length;
    const { events, itemOf, inBodyDuplicates } = toEvents(d, normalizer, items, index);
    items = [];

    const problems: string[] = [];
    let stored: StoreOutcome = { accepted: 0, duplicates: 0 };
    if (events.length) {
      try {
        const policy = await deps.privacy?.forTenant(source.tenant);
        let toStore = events;
        if (policy) {
          const vault = new Map<string, string>();
          toStore = events.map((e) => policy.apply(e, vault));
          if (vault.size) await policy.record(vault);
        }
        stored = await deps.store.putNew(toStore);
      } catch (err) {
        stored = { accepted: 0, duplicates: 0, failed: events.map((_, index) => ({ index, reason: messageOf(err) })) };
      }
    }
    for (const r of stored.rejected ?? []) index.add(r.reason, 'item', itemOf[r.index]!);
    if (stored.failed?.length) problems.push(`${stored.failed.length} of ${events.length} events could not be stored: ${stored.failed[0]!.reason}`);

    if (index.total) {
      try {
        const body = d.body();
        await deps.quarantine.put(record(source, { origin: d.origin, received: d.quarantineTime, bytes: body.bytes, encoding: body.encoding, items: itemCount, index }));
      } catch (err) {
        problems.push(`${index.total} rejected items could not be quarantined: ${messageOf(err)}`);
      }
    }
    return { accepted: stored.accepted, duplicates: stored.duplicates + inBodyDuplicates, quarantined: index.total, complete: problems.length === 0, problems };
  }

  /**
   * A webhook body (bytes as received, with their content-encoding) for an authenticated source.
   * Replay runs stored bodies through here too, keeping their original `receivedTime`.
   */
  async function ingestBody(source: Source, bytes: Buffer, o: { contentEncoding?: string | null; receivedTime?: string } = {}): Promise<HttpResponse & { result: IngestResult }> {
    const received = now().toISOString();
    const quarantineTime = o.receivedTime ?? received;
    const encoding = o.contentEncoding?.trim() || null;
    const parsed = await decodeBody(bytes, encoding);
    if (!parsed.ok) {
      const none = { accepted: 0, duplicates: 0, quarantined: 0 };
      if (parsed.status === 413) return { ...error(413, 'payload_too_large', parsed.reason), result: none };
      const index = new RejectIndex();
      index.add(`invalid_body: ${parsed.reason}`, 'body', 0);
      try {
        await deps.quarantine.put(record(source, { origin: 'webhook', received: quarantineTime, bytes, encoding, items: 0, index }));
      } catch (err) {
        return { ...unavailable([`an invalid body could not be quarantined: ${messageOf(err)}`]), result: none };
      }
      return { ...error(400, 'invalid_body', `${parsed.reason}; the body was quarantined`), result: { ...none, quarantined: 1 } };
    }
    // The walk that cuts too-deep values runs only for bodies the scan found deep.
    const limit = parsed.ndjson ? MAX_DEPTH + 1 : MAX_DEPTH;
    const depth = parsed.depth > limit ? limitDepth(parsed.payload, limit) : undefined;
    const out = await run({
      source, payload: parsed.payload, origin: 'webhook', received, quarantineTime, badLines: parsed.badLines, depth,
      // The stored body is the original bytes: nothing is re-serialized.
      body: () => ({ bytes, encoding }),
    });
    const result = { accepted: out.accepted, duplicates: out.duplicates, quarantined: out.quarantined };
    if (!out.complete) return { ...unavailable(out.problems), result };
    return { status: 200, body: { ...result }, result };
  }

  /**
   * An already-parsed payload (an EventBridge event, a pull page) for one source. Its quarantine
   * body is its JSON text (or `o.body`, the stored bytes, on replay). Throws IngestIncompleteError
   * when part of it is not durably kept, so the caller's retry redelivers it.
   */
  async function ingestPayload(source: Source, payload: unknown, o: { origin?: QuarantineOrigin; receivedTime?: string; body?: Buffer } = {}): Promise<IngestResult> {
    const received = now().toISOString();
    const depth = limitDepth(payload);
    try {
      const out = await run({
        source, payload, origin: o.origin ?? 'pull', received, quarantineTime: o.receivedTime ?? received, depth,
        body: () => {
          depth.restore();
          return { bytes: o.body ?? Buffer.from(stringifyJson(payload)), encoding: null };
        },
      });
      if (!out.complete) throw new IngestIncompleteError(out.problems.join('; '));
      return { accepted: out.accepted, duplicates: out.duplicates, quarantined: out.quarantined };
    } finally {
      depth.restore();
    }
  }

  async function authenticate(source: Source, req: HttpRequest): Promise<boolean> {
    if (!source.auth) return false;
    // Over the raw bytes as received: compressed bytes when the body is compressed.
    return authenticateRequest(source.auth, deps.secrets, req.headers, req.body, now().getTime());
  }

  /** `POST|GET /v1/ingest/{sourceId}` (CONTRACT §3). */
  async function http(req: HttpRequest): Promise<HttpResponse> {
    const source = findSource(deps.config, req.sourceId);
    if (!source) return error(404, 'unknown_source', `no source "${req.sourceId.slice(0, 64)}" is configured`);
    if (req.body.length > MAX_BODY_BYTES) return error(413, 'payload_too_large', `the body exceeds ${MAX_BODY_BYTES} bytes; send smaller batches`);
    if (!(await authenticate(source, req))) return error(401, 'unauthorized', 'authentication failed');

    if (req.method === 'GET') {
      const challenge = req.headers['x-okta-verification-challenge'];
      if (challenge) return { status: 200, body: { verification: challenge } };
      return { status: 200, body: { status: 'ok', source: source.id } };
    }
    if (req.method !== 'POST') return error(405, 'method_not_allowed', 'use POST to deliver events');
    // Google channel `sync` messages announce a channel; they carry no events.
    if (req.headers['x-goog-resource-state'] === 'sync') return { status: 200, body: { accepted: 0, duplicates: 0, quarantined: 0 } };
    const { result: _result, ...res } = await ingestBody(source, req.body, { contentEncoding: req.headers['content-encoding'] ?? null });
    return res;
  }

  /** An event no source claims (e.g. an EventBridge event from an unconfigured partner source). */
  async function quarantineUnrouted(payload: unknown, reason: string, o: { receivedTime?: string; body?: Buffer } = {}): Promise<IngestResult> {
    const index = new RejectIndex();
    index.add(reason, 'body', 0);
    const bytes = o.body ?? Buffer.from(stringifyJson(payload));
    try {
      await deps.quarantine.put(record({ id: UNROUTED_TENANT, tenant: UNROUTED_TENANT }, { origin: 'eventbridge', received: o.receivedTime ?? now().toISOString(), bytes, encoding: null, items: 1, index }));
    } catch (err) {
      throw new IngestIncompleteError(`an unrouted event could not be quarantined: ${messageOf(err)}`);
    }
    return { accepted: 0, duplicates: 0, quarantined: 1 };
  }

  return { http, ingestBody, ingestPayload, quarantineUnrouted };
}

export type Ingest = ReturnType<typeof createIngest>;
