/**
 * Webhook bodies, as bytes until they are parsed: content-encoding (gzip, x-gzip, deflate, br)
 * → strict UTF-8 → one JSON value (object, array or a vendor envelope) or NDJSON.
 *
 * Every step is bounded, so no body can take the ingest Lambda (512 MB) down or past API
 * Gateway's 30 s:
 * - inflating stops at MAX_INFLATED_BYTES (a zip bomb is `413 payload_too_large`);
 * - a linear scan over the text counts objects, arrays and values before anything is parsed:
 *   more than MAX_CONTAINERS objects and arrays, or more than MAX_JSON_VALUES values (or NDJSON
 *   lines), is `413 payload_too_large` (the sender should split the body). Real vendor JSON
 *   takes 50–180 bytes per object or array and 25–33 bytes per value, so a 5 MiB body holds at
 *   most ~105,000 objects and ~210,000 values, and a 20 MiB inflated one four times that: the
 *   caps never touch real data. They bound pathological bodies: every object is a normalizer
 *   call (~6 µs for a schema failure) and ~60 bytes of heap; values that are not objects
 *   (`[1,1,1,…]`: 2.6 M in 5 MiB) cost no normalizer call but ~40 bytes each through parse,
 *   unwrap and the loop, so the value cap sits just above what 5 MiB can hold;
 *   NDJSON lines that are not JSON (each a thrown SyntaxError, ~3 µs) are capped at
 *   MAX_BAD_LINES;
 * - nesting is measured by the same scan, and values deeper than MAX_DEPTH are cut out of the
 *   parsed tree by a walk that never recurses deeper than MAX_DEPTH (see `limitDepth`), so no
 *   later step (vendor `unwrap`, normalizers, `JSON.stringify`) can overflow the stack.
 *
 * What cannot be decoded is reported with the HTTP answer it deserves; the caller keeps the
 * original bytes in the quarantine (never a lossy string).
 */
import { brotliDecompress, gunzip, inflate, inflateRaw, type ZlibOptions, type BrotliOptions } from 'node:zlib';

/** Values nested deeper than this (the body's top level is 1) are cut out and their item rejected. */
export const MAX_DEPTH = 64;
/** Inflated size limit of a compressed body. */
export const MAX_INFLATED_BYTES = 20 * 1024 * 1024;
/** Objects and arrays in a body, at most. */
export const MAX_CONTAINERS = 200_000;
/** JSON values (or NDJSON lines) in a body, at most: a little more than 5 MiB can hold (`[1,1,…]`). */
export const MAX_JSON_VALUES = 3_000_000;
/** NDJSON lines that are not JSON, at most. */
export const MAX_BAD_LINES = 200_000;

export type BodyFailure = { ok: false; status: 400 | 413; reason: string };

export type ParsedBody =
  | {
    ok: true;
    payload: unknown;
    /** NDJSON lines (1-based) that are not JSON; the rest of the body is used. */
    badLines: number[];
    /** True when the payload is the array of an NDJSON body's lines. */
    ndjson: boolean;
    /** The deepest nesting the scan saw (the body's top level is 1). */
    depth: number;
  }
  | BodyFailure;

/**
 * A zlib one-shot as a promise: what `util.promisify` makes of it, written out because importing
 * `node:util` into an ES module builds its whole namespace, a few ms of every Lambda cold start.
 */
const promised = <O>(fn: (buf: Buffer, options: O, callback: (err: Error | null, result: Buffer) => void) => void) =>
  (buf: Buffer, options: O) => new Promise<Buffer>((resolve, reject) => fn(buf, options, (err, result) => (err ? reject(err) : resolve(result))));

const unzip = {
  gzip: promised<ZlibOptions>(gunzip),
  deflate: promised<ZlibOptions>(inflate),
  deflateRaw: promised<ZlibOptions>(inflateRaw),
  br: promised<BrotliOptions>(brotliDecompress),
};

/** The `content-encoding` codings of a request, in the order they were applied. */
export function contentCodings(header: string | undefined | null): string[] {
  return (header ?? '').toLowerCase().split(',').map((s) => s.trim()).filter((s) => s && s !== 'identity');
}

/** Undoes `content-encoding` (gzip, x-gzip, deflate, br), never inflating past `limit` bytes. */
export async function decodeContent(raw: Buffer, header: string | undefined | null, limit = MAX_INFLATED_BYTES): Promise<{ ok: true; bytes: Buffer } | BodyFailure> {
  const codings = contentCodings(header);
  if (codings.length > 2) return { ok: false, status: 400, reason: `too many content codings: ${codings.join(', ').slice(0, 100)}` };
  let bytes = raw;
  for (const coding of codings.reverse()) {
    try {
      switch (coding) {
        case 'gzip': case 'x-gzip':
          bytes = await unzip.gzip(bytes, { maxOutputLength: limit });
          break;
        case 'deflate':
          // HTTP `deflate` is zlib-wrapped; some senders send raw deflate: both are accepted.
          try {
            bytes = await unzip.deflate(bytes, { maxOutputLength: limit });
          } catch (err) {
            if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw err;
            bytes = await unzip.deflateRaw(bytes, { maxOutputLength: limit });
          }
          break;
        case 'br':
          bytes = await unzip.br(bytes, { maxOutputLength: limit });
          break;
        default:
          return { ok: false, status: 400, reason: `unsupported content-encoding "${coding.slice(0, 40)}" (gzip, deflate and br are accepted)` };
      }
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        return { ok: false, status: 413, reason: `the body inflates to more than ${limit} bytes; send smaller batches` };
      }
      return { ok: false, status: 400, reason: `the body is not valid ${coding}: ${(err as Error).message}` };
    }
  }
  return { ok: true, bytes };
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text (a leading BOM removed), or why it is not UTF-8. */
export function decodeUtf8(bytes: Uint8Array): { ok: true; text: string } | BodyFailure {
  try {
    return { ok: true, text: strictUtf8.decode(bytes) };
  } catch {
    return { ok: false, status: 400, reason: 'the body is not valid UTF-8' };
  }
}

export interface JsonScan {
  /** Deepest nesting of objects/arrays (a top-level container is 1). */
  depth: number;
  /** Objects and arrays. */
  containers: number;
  /** Values, approximately (from above): commas + containers + 1. */
  values: number;
}

/**
 * One linear pass over JSON text (no validation: JSON.parse does that) counting containers and
 * measuring nesting. Strings are skipped with their escapes; a raw newline, which JSON strings
 * cannot contain, ends a string, so a broken NDJSON line cannot hide the lines after it.
 */
export function scanJson(text: string, from = 0, to = text.length): JsonScan {
  let depth = 0;
  let max = 0;
  let containers = 0;
  let commas = 0;
  let inString = false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22 || c === 0x0a) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) { containers++; if (++depth > max) max = depth; }
    else if ((c === 0x7d || c === 0x5d) && depth > 0) depth--;
    else if (c === 0x2c) commas++;
  }
  return { depth: max, containers, values: commas + containers + 1 };
}

const tooMany = (limit: number, what: string): BodyFailure =>
  ({ ok: false, status: 413, reason: `the body holds more than ${limit} ${what}; split it into smaller batches` });

/** Parses decoded text: one JSON value, else NDJSON (at least two lines must parse on their own). */
export function parseText(text: string): ParsedBody {
  if (!text.trim()) return { ok: false, status: 400, reason: 'the body is empty' };
  const scan = scanJson(text);
  if (scan.containers > MAX_CONTAINERS) return tooMany(MAX_CONTAINERS, 'JSON objects and arrays');
  if (scan.values > MAX_JSON_VALUES) return tooMany(MAX_JSON_VALUES, 'JSON values');
  try {
    return { ok: true, payload: JSON.parse(text), badLines: [], ndjson: false, depth: scan.depth };
  } catch (err) {
    const values: unknown[] = [];
    const badLines: number[] = [];
    let line = 0;
    let depth = 0;
    for (let start = 0; start <= text.length;) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      if (++line + scan.values > MAX_JSON_VALUES) return tooMany(MAX_JSON_VALUES, 'JSON values and NDJSON lines');
      const l = text.slice(start, end);
      start = end + 1;
      if (!l.trim()) continue;
      try {
        values.push(JSON.parse(l));
        depth = Math.max(depth, scanJson(l).depth);
      } catch {
        // A failed parse costs ~3 µs (the exception); the number of them is what is bounded.
        if (badLines.push(line) > MAX_BAD_LINES) return tooMany(MAX_BAD_LINES, 'NDJSON lines that are not JSON');
      }
    }
    if (values.length >= 2 || (values.length === 1 && badLines.length === 0)) {
      return { ok: true, payload: values, badLines, ndjson: true, depth: depth + 1 };
    }
    return { ok: false, status: 400, reason: `the body is neither JSON nor NDJSON: ${(err as Error).message.slice(0, 200)}` };
  }
}

/** Bytes that are already decoded (no content-encoding) → payload. */
export function parseBody(raw: Uint8Array): ParsedBody {
  const text = decodeUtf8(raw);
  return text.ok ? parseText(text.text) : text;
}

/** Bytes as received, with their `content-encoding` → payload, or the answer to give. */
export async function decodeBody(raw: Buffer, contentEncoding?: string | null): Promise<ParsedBody> {
  const content = await decodeContent(raw, contentEncoding);
  return content.ok ? parseBody(content.bytes) : content;
}

// ----- Depth limit over parsed values -----

/** What replaces a value nested too deep while a payload is processed. */
export const TOO_DEEP: Readonly<Record<string, never>> = Object.freeze({});

export interface DepthLimit {
  /** True when something was cut. */
  readonly cut: boolean;
  /** True for a value that is, or contains, a cut. */
  tooDeep(value: unknown): boolean;
  /** Puts the cut values back (before the payload is serialized for the quarantine). */
  restore(): void;
}

const NO_CUT: DepthLimit = { cut: false, tooDeep: () => false, restore: () => undefined };

/**
 * Replaces every object or array nested deeper than `max` (the root is 1) with TOO_DEEP and
 * marks the containers above each cut. The walk recurses at most `max` levels.
 */
export function limitDepth(root: unknown, max = MAX_DEPTH): DepthLimit {
  if (root === null || typeof root !== 'object') return NO_CUT;
  const tainted = new WeakSet<object>();
  const cuts: { parent: Record<string | number, unknown>; key: string | number; value: unknown }[] = [];
  const visit = (node: Record<string | number, unknown>, depth: number): boolean => {
    let bad = false;
    const child = (k: string | number) => {
      const c = node[k];
      if (c === null || typeof c !== 'object') return;
      if (depth >= max) {
        cuts.push({ parent: node, key: k, value: c });
        node[k] = TOO_DEEP;
        bad = true;
      } else if (visit(c as Record<string, unknown>, depth + 1)) {
        bad = true;
      }
    };
    if (Array.isArray(node)) for (let i = 0; i < node.length; i++) child(i);
    else for (const k of Object.keys(node)) child(k);
    if (bad) tainted.add(node);
    return bad;
  };
  if (!visit(root as Record<string, unknown>, 1)) return NO_CUT;
  return {
    cut: true,
    tooDeep: (v) => v === TOO_DEEP || (v !== null && typeof v === 'object' && tainted.has(v)),
    restore() {
      for (let i = cuts.length - 1; i >= 0; i--) { const c = cuts[i]!; c.parent[c.key] = c.value; }
      cuts.length = 0;
    },
  };
}

/**
 * JSON.stringify for parsed JSON of any depth: iterative, so a value nested 100,000 deep (an
 * EventBridge event that was never bytes to us) serializes instead of overflowing the stack.
 */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
  }
  const out: string[] = [];
  type Frame = { v: Record<string | number, unknown>; keys: (string | number)[]; i: number; n: number; close: string };
  const stack: Frame[] = [];
  const open = (v: unknown) => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      const arr = Array.isArray(v);
      out.push(arr ? '[' : '{');
      stack.push({ v: v as Record<string, unknown>, keys: arr ? [...(v as unknown[]).keys()] : Object.keys(v), i: 0, n: 0, close: arr ? ']' : '}' });
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  };
  open(value);
  while (stack.length) {
    const f = stack[stack.length - 1]!;
    if (f.i >= f.keys.length) { out.push(f.close); stack.pop(); continue; }
    const k = f.keys[f.i++]!;
    const v = f.v[k];
    if (f.close === '}') {
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
      out.push(`${f.n++ ? ',' : ''}${JSON.stringify(k)}:`);
    } else if (f.n++) {
      out.push(',');
    }
    if (f.close === ']' && (v === undefined || typeof v === 'function' || typeof v === 'symbol')) out.push('null');
    else open(v);
  }
  return out.join('');
}
