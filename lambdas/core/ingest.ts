/**
 * The ingest pipeline, shared by the webhook, EventBridge and (later) pull intakes:
 * authenticate → parse → normalize → store. Pure orchestration over ports; every AWS call lives
 * in an adapter. The hot-store write is the commit point: the caller answers 2xx only after it
 * (and any quarantine write) succeeded.
 */
import { verifyRequest, secretRef, type Headers } from './auth.ts';
import { parseBody } from './body.ts';
import { findSource, type Config, type Source } from './config.ts';
import { ISO_MILLIS, type AuthEvent } from './event.ts';
import { safeNormalize } from './normalizer.ts';
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

/** Until per-item outcomes are quarantined: any event not stored fails the delivery (503, the sender retries). */
export class HotStoreError extends Error {
  override name = 'HotStoreError';
}

export interface QuarantineEntry {
  readonly reason: string;
  /** The vendor event (parsed JSON) or the raw body text. */
  readonly payload: unknown;
}

export interface QuarantineRecord {
  readonly tenant: string;
  readonly source_id: string;
  readonly received_time: string;
  readonly entries: readonly QuarantineEntry[];
}

export interface QuarantineSink {
  put(record: QuarantineRecord): Promise<void>;
}

export type SecretResolver = (ref: { value?: string | undefined; arn?: string | undefined }) => Promise<string>;

export interface IngestDeps {
  readonly config: Config;
  readonly store: HotStore;
  readonly quarantine: QuarantineSink;
  readonly secrets: SecretResolver;
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
  readonly body: Buffer;
}

export interface HttpResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers?: Record<string, string>;
}

const error = (status: number, code: string, message: string): HttpResponse => ({ status, body: { error: code, message } });

/** The quarantine "tenant" of events that no configured source claims. */
export const UNROUTED_TENANT = '_unrouted';

export function createIngest(deps: IngestDeps) {
  const now = deps.now ?? (() => new Date());

  /** Normalizes an already-parsed payload for one source and stores the outcome. */
  async function ingestPayload(source: Source, payload: unknown, extraRejects: { reason: string; payload: unknown }[] = []): Promise<IngestResult> {
    const received = now().toISOString();
    const normalizer = normalizerFor(source.kind);
    const rejects = [...extraRejects];
    const events: AuthEvent[] = [];
    if (!normalizer) {
      rejects.push({ reason: `no normalizer for source kind "${source.kind}" in this version`, payload });
    } else {
      for (const item of normalizer.unwrap(payload)) {
        const r = safeNormalize(normalizer, item);
        if (r.kind === 'ignore') continue;
        if (r.kind === 'reject') { rejects.push({ reason: r.reason, payload: item }); continue; }
        const e = r.event;
        // Guards that keep one bad item from failing a whole batch write.
        if (!ISO_MILLIS.test(e.event_time) || !e.event_uid || Buffer.byteLength(e.event_uid) > 512) {
          rejects.push({ reason: 'normalized event has no usable event_uid or event_time', payload: item });
          continue;
        }
        // Vendors that send only the raw agent get OS and browser parsed here, once for all of them.
        if (e.user_agent && (!e.os || !e.browser)) {
          const parsed = parseUserAgent(e.user_agent);
          e.os ??= parsed.os;
          e.browser ??= parsed.browser;
        }
        // Known keys first, then the spread: the other order costs V8 a slow path (~12 µs per event).
        events.push({ tenant: source.tenant, source_id: source.id, source: source.kind, ingest_time: received, ...e });
      }
    }
    // Redelivered events inside one body count as duplicates too.
    const seen = new Set<string>();
    const unique = events.filter((e) => (seen.has(e.event_uid) ? false : (seen.add(e.event_uid), true)));
    const inBodyDuplicates = events.length - unique.length;
    const [stored] = await Promise.all([
      unique.length ? deps.store.putNew(unique) : Promise.resolve<StoreOutcome>({ accepted: 0, duplicates: 0 }),
      rejects.length ? deps.quarantine.put({ tenant: source.tenant, source_id: source.id, received_time: received, entries: rejects }) : undefined,
    ]);
    const notStored = [...(stored.rejected ?? []), ...(stored.failed ?? [])];
    if (notStored.length) throw new HotStoreError(`${notStored.length} events could not be stored: ${notStored[0]!.reason}`);
    return { accepted: stored.accepted, duplicates: stored.duplicates + inBodyDuplicates, quarantined: rejects.length };
  }

  async function authenticate(source: Source, req: HttpRequest): Promise<boolean> {
    if (!source.auth) return false;
    const ref = secretRef(source.auth);
    const secret = ref ? await deps.secrets(ref) : null;
    return verifyRequest(source.auth, secret, req.headers, req.body, now().getTime());
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

    const parsed = parseBody(req.body);
    if (!parsed.ok) {
      await deps.quarantine.put({
        tenant: source.tenant, source_id: source.id, received_time: now().toISOString(),
        entries: [{ reason: `invalid_body: ${parsed.reason}`, payload: req.body.toString('utf8') }],
      });
      return error(400, 'invalid_body', `${parsed.reason}; the body was quarantined`);
    }
    const badLines = parsed.badLines.map((b) => ({ reason: `NDJSON line ${b.line} is not JSON`, payload: b.text }));
    const result = await ingestPayload(source, parsed.payload, badLines);
    return { status: 200, body: { ...result } };
  }

  /** An event no source claims (e.g. an EventBridge event from an unconfigured partner source). */
  async function quarantineUnrouted(payload: unknown, reason: string): Promise<IngestResult> {
    await deps.quarantine.put({ tenant: UNROUTED_TENANT, source_id: UNROUTED_TENANT, received_time: now().toISOString(), entries: [{ reason, payload }] });
    return { accepted: 0, duplicates: 0, quarantined: 1 };
  }

  return { http, ingestPayload, quarantineUnrouted };
}

export type Ingest = ReturnType<typeof createIngest>;
