/**
 * SIEM forwarding, the pure part: canonical events → the request bodies one destination takes
 * (Splunk HTTP Event Collector, or any HTTPS endpoint), batched by count and bytes, and what an
 * answer means. No I/O here: adapters/forward.ts sends, handlers/forwarder.ts consumes the stream.
 *
 * Splunk HEC (`splunk-hec`): POST `<url>/services/collector/event`, `Authorization: Splunk
 * <token>`, a body of JSON event objects one after another (HEC reads concatenated objects; one
 * per line here), each `{"time": <epoch seconds, ms as the fraction>, "host", "source",
 * "sourcetype", "index", "fields", "event": {...}}`. `sourcetype` defaults to `_json`, which
 * Splunk extracts JSON fields from at search time with no props.conf of its own. HEC answers 200
 * `{"text":"Success","code":0}`; 503 (server busy, queues full) and 500 are worth retrying, 429
 * too (a proxy or Splunk Cloud throttling); 400 (invalid data format, incorrect index, no data,
 * data channel missing), 401/403 (token missing, invalid or disabled) and 413 (body over
 * max_content_length) are not: the same request would fail the same way.
 *
 * Any HTTPS endpoint (`https`): POST to the URL as given, NDJSON (default) or one JSON array,
 * each record an envelope `{"authtrail_uid", "tenant", "format", "event"}` so a receiver can
 * dispatch on the format and drop duplicates by `authtrail_uid`; the token, if any, in
 * `Authorization: Bearer` or a header of the destination's choice.
 *
 * The event itself is never altered: a canonical event is exactly CONTRACT §4's, an OCSF event
 * exactly what lambdas/core/ocsf.ts emits (events it has no class for are skipped and counted).
 * The dedup key `<source_id>#<event_uid>` travels beside it: in HEC's indexed `fields` as
 * `authtrail_uid`, in the HTTPS envelope as `authtrail_uid`. Delivery is at least once (a
 * retried batch is sent again, and HEC has no idempotent write), so receivers dedupe by it.
 */
import type { AuthEvent } from './event.ts';
import type { ForwardDestination } from './config.ts';
import { forwardId } from './config-lookup.ts';
import { toOcsf } from './ocsf.ts';

/** Splunk's JSON-event endpoint, appended when a HEC URL names no path. */
export const HEC_EVENT_PATH = '/services/collector/event';

export const dedupKey = (e: Pick<AuthEvent, 'source_id' | 'event_uid'>) => `${e.source_id}#${e.event_uid}`;

/** One event ready to go: its position in the input (for progress) and its serialized record. */
export interface PreparedRecord {
  readonly index: number;
  readonly line: string;
  readonly bytes: number;
}

export interface Prepared {
  readonly records: PreparedRecord[];
  /** Events the destination's format cannot carry (OCSF: categories with no OCSF class), by reason. */
  readonly skipped: Record<string, number>;
  /** Canonical events sent without `raw` because they alone exceeded `maxBatchBytes`. */
  readonly trimmed: number;
}

export interface Batch {
  readonly records: readonly PreparedRecord[];
  readonly body: string;
  readonly bytes: number;
}

const bytesOf = (s: string) => Buffer.byteLength(s, 'utf8');

export function hecUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname === '' || u.pathname === '/') u.pathname = HEC_EVENT_PATH;
  return u.toString();
}

/** The record of one payload, in the destination's envelope. */
function envelope(d: ForwardDestination, e: AuthEvent, payload: object): string {
  if (d.type === 'splunk-hec') {
    return JSON.stringify({
      // Epoch seconds with the milliseconds as the fraction, as HEC's `time` takes it.
      time: Date.parse(e.event_time) / 1000,
      host: d.host ?? 'authtrail',
      source: d.source ?? e.source_id,
      sourcetype: d.sourcetype ?? '_json',
      ...(d.index ? { index: d.index } : {}),
      fields: { authtrail_uid: dedupKey(e), tenant: e.tenant },
      event: payload,
    });
  }
  return JSON.stringify({ authtrail_uid: dedupKey(e), tenant: e.tenant, format: d.format, event: payload });
}

/**
 * The records of `events` for destination `d`, in input order. A canonical event that alone is
 * larger than a request may be (a vendor's `raw` of hundreds of KB) goes without `raw` rather than
 * blocking the stream with a 413 forever; the archive keeps it whole.
 */
export function prepare(events: readonly AuthEvent[], d: ForwardDestination): Prepared {
  const records: PreparedRecord[] = [];
  const skipped: Record<string, number> = {};
  let trimmed = 0;
  // Room for the array brackets or the newline around one record.
  const room = d.maxBatchBytes - 2;
  events.forEach((e, index) => {
    let payload: object;
    if (d.format === 'ocsf') {
      const o = toOcsf(e);
      if (o.kind === 'skip') { skipped[o.reason] = (skipped[o.reason] ?? 0) + 1; return; }
      payload = o.event;
    } else {
      payload = d.includeRaw ? e : { ...e, raw: null };
    }
    let line = envelope(d, e, payload);
    let bytes = bytesOf(line);
    if (bytes > room && d.format === 'canonical' && e.raw !== null && d.includeRaw) {
      line = envelope(d, e, { ...e, raw: null });
      bytes = bytesOf(line);
      trimmed++;
    }
    records.push({ index, line, bytes });
  });
  return { records, skipped, trimmed };
}

/**
 * Consecutive batches of at most `batchSize` records and `maxBatchBytes` bytes of body, in order.
 * A record larger than the limit on its own still goes, alone (the receiver decides).
 */
export function batches(records: readonly PreparedRecord[], d: ForwardDestination): Batch[] {
  const out: Batch[] = [];
  const array = d.type === 'https' && d.encoding === 'json-array';
  let cur: PreparedRecord[] = [];
  let size = 0;
  const close = () => {
    if (!cur.length) return;
    const lines = cur.map((r) => r.line);
    const body = array ? `[${lines.join(',')}]` : `${lines.join('\n')}\n`;
    out.push({ records: cur, body, bytes: bytesOf(body) });
    cur = [];
    size = 0;
  };
  for (const r of records) {
    // Body size with this record: one separator (newline or comma) per record, plus the brackets.
    const next = size + r.bytes + 1 + (array && !cur.length ? 1 : 0);
    if (cur.length && (cur.length >= d.batchSize || next > d.maxBatchBytes)) close();
    size += r.bytes + 1 + (array && !cur.length ? 1 : 0);
    cur.push(r);
  }
  close();
  return out;
}

export interface ForwardRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
}

/**
 * Where and with which headers a batch goes. `channel` is HEC's `X-Splunk-Request-Channel`: a
 * token with indexer acknowledgement enabled refuses requests without one (400, "Data channel is
 * missing"); without acknowledgement HEC ignores it. authtrail does not poll `/ack`: a 200 means
 * HEC accepted the events, which is as far as any HEC client without acknowledgement can know.
 */
export function forwardRequest(d: ForwardDestination, token: string | undefined, channel: string): ForwardRequest {
  if (d.type === 'splunk-hec') {
    return {
      url: hecUrl(d.url),
      headers: { ...d.headers, 'content-type': 'application/json', 'x-splunk-request-channel': channel, authorization: `Splunk ${token ?? ''}` },
    };
  }
  const header = d.tokenHeader ?? 'authorization';
  return {
    url: d.url,
    headers: {
      ...d.headers,
      'content-type': d.encoding === 'json-array' ? 'application/json' : 'application/x-ndjson',
      ...(token !== undefined ? { [header]: header === 'authorization' ? `Bearer ${token}` : token } : {}),
    },
  };
}

export type Verdict =
  | { readonly kind: 'ok' }
  /** The token was refused: read it again (it may have been replaced) and try once more. */
  | { readonly kind: 'auth'; readonly message: string }
  | { readonly kind: 'fail'; readonly message: string };

/**
 * What a final answer means (429, 5xx and network errors were already retried with backoff by
 * the HTTP adapter). The message names the destination, the status and the receiver's own words
 * (HEC: `text` and `code`) and never the token or the URL's query.
 */
export function verdict(d: ForwardDestination, status: number, body: string): Verdict {
  if (status >= 200 && status < 300) return { kind: 'ok' };
  const where = `${forwardId(d)} (${new URL(d.url).host})`;
  let said = body.slice(0, 200).replace(/\s+/g, ' ').trim();
  if (d.type === 'splunk-hec') {
    try {
      const j = JSON.parse(body) as { text?: unknown; code?: unknown };
      if (typeof j.text === 'string') said = `${j.text}${typeof j.code === 'number' ? ` (HEC code ${j.code})` : ''}`;
    } catch { /* not HEC's JSON: keep the text */ }
  }
  const fix = status === 401 || status === 403 ? 'check the destination\'s token'
    : status === 413 ? 'lower maxBatchBytes to the receiver\'s limit'
      : status === 400 && d.type === 'splunk-hec' ? 'check index (the token must allow it) and the HEC settings'
        : 'check the destination\'s settings';
  const message = `forward to ${where}: HTTP ${status}${said ? ` ${said}` : ''}; ${fix}`;
  return status === 401 || status === 403 ? { kind: 'auth', message } : { kind: 'fail', message };
}
