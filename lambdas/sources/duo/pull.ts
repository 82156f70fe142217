/**
 * The Duo Admin API poller: request signing as Duo's own clients sign (signature v5: HMAC-SHA512
 * over date, method, host, path, sorted parameters, body hash and `X-Duo-*` header hash) and the
 * three logs a Duo source reads in turn, each with its own position inside the source's cursor:
 *
 * - `auth` — `GET /admin/v2/logs/authentication`: `mintime`/`maxtime` in milliseconds, pages of
 *   `limit` ≤ 1000 chained by `metadata.next_offset` (`[ms, txid]`); Duo publishes events about two
 *   minutes late, so a window ends two minutes before now.
 * - `telephony` — `GET /admin/v2/logs/telephony`: the same window rules, `next_offset` a string.
 * - `administrator` — `GET /admin/v1/logs/administrator`: `mintime` in seconds only; each call
 *   answers the (about) 1,000 earliest events at or after `mintime`, so a full answer is followed
 *   by another from its newest timestamp (the events of that second come again and deduplicate).
 *
 * A cursor written before a log existed has no position for it: that log starts `lookbackSeconds`
 * back. The cursor `{phase, auth, telephony}` of earlier versions therefore keeps working.
 *
 * @see https://duo.com/docs/adminapi#authentication
 * @see https://duo.com/docs/adminapi#authentication-logs
 * @see https://duo.com/docs/adminapi#telephony-logs
 * @see https://duo.com/docs/adminapi#administrator-logs
 * @example {"phase":"telephony","auth":{"mintime":1795168500000},"telephony":{"mintime":1795168500000,"maxtime":1795168800000,"next_offset":"1795168790000,7e1a0c00-…"},"administrator":{"mintime":1795168500}}
 */
import { createHash, createHmac } from 'node:crypto';
import * as z from 'zod';
import { lazy } from '../../core/lazy.ts';
import type { Cursor, PullContext, PullPage, Puller } from '../../core/pull.ts';

// ----- Admin API request signing, as Duo's clients do it (signature version 5) -----

const RFC3986_EXTRA = /[!'()*]/g;
/** RFC 3986 encoding, as Python's `quote(s, '~')`: only letters, digits and `-_.~` stay. */
export const duoQuote = (s: string) => encodeURIComponent(s).replace(RFC3986_EXTRA, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function canonParams(params: Readonly<Record<string, string>>): string {
  return Object.entries(params).map(([k, v]) => [duoQuote(k), duoQuote(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`).join('&');
}

/** `email.utils.formatdate()`: `Tue, 21 Aug 2012 17:29:18 -0000`. */
export function duoDate(d: Date): string {
  return d.toUTCString().replace('GMT', '-0000');
}

export interface DuoRequest { ikey: string; skey: string; method: string; host: string; path: string; params: Record<string, string>; date: string; body?: string }

/**
 * Version 2 (HMAC-SHA1 over date, method, host, path, params) is the form Duo's published test
 * vectors cover; version 5, what current Duo clients send, adds the SHA-512 of the body and of
 * the `X-Duo-*` headers (none here) and signs with HMAC-SHA512.
 */
export function duoCanonical(o: DuoRequest, version: 2 | 5): string {
  const sha512 = (s: string) => createHash('sha512').update(s).digest('hex');
  const lines = [o.date, o.method.toUpperCase(), o.host.toLowerCase(), o.path, canonParams(o.params)];
  if (version === 5) lines.push(sha512(o.body ?? ''), sha512(''));
  return lines.join('\n');
}

export function duoSign(o: DuoRequest, version: 2 | 5 = 5): string {
  const sig = createHmac(version === 5 ? 'sha512' : 'sha1', o.skey).update(duoCanonical(o, version)).digest('hex');
  return `Basic ${Buffer.from(`${o.ikey}:${sig}`).toString('base64')}`;
}

// ----- The poller -----

export const DuoPullSettings = lazy(() => z.object({
  baseUrl: z.url(),
  integrationKey: z.string().min(1),
  secretKey: z.string().min(1),
  /** How far back the first run reaches (Duo keeps 180 days). */
  lookbackSeconds: z.number().int().positive().max(180 * 86_400).default(86_400),
  pageSize: z.number().int().min(1).max(1000).default(1000),
}));
export type DuoPullSettings = z.infer<typeof DuoPullSettings>;

/** Duo makes events available about two minutes after they happen. */
export const DUO_LAG_MS = 2 * 60_000;
/** Each new window starts this much before the last one ended; the overlap is deduplicated. */
const OVERLAP_MS = 5 * 60_000;
/** The administrator log answers at most about this many events per call (no `limit`, no offset). */
export const DUO_ADMIN_LOG_PAGE = 1000;

/** The logs a Duo source polls, in this order, one position each in the cursor. */
export const DUO_LOGS = [
  { name: 'auth', path: '/admin/v2/logs/authentication', items: (r: Record<string, unknown>) => r['authlogs'] },
  { name: 'telephony', path: '/admin/v2/logs/telephony', items: (r: Record<string, unknown>) => r['items'] ?? r['telephony'] },
  { name: 'administrator', path: '/admin/v1/logs/administrator', items: null },
] as const;
type DuoLog = (typeof DUO_LOGS)[number];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** One signed GET; the Duo envelope's `response` on `stat: OK`, the vendor's message otherwise. */
async function duoGet(ctx: PullContext<DuoPullSettings>, path: string, params: Record<string, string>): Promise<unknown> {
  const s = ctx.settings;
  const url = new URL(s.baseUrl);
  const date = duoDate(ctx.now);
  const res = await ctx.http(`${url.origin}${path}?${canonParams(params)}`, {
    headers: { date, authorization: duoSign({ ikey: s.integrationKey, skey: s.secretKey, method: 'GET', host: url.host, path, params, date }) },
  });
  const body = (await res.json().catch(() => ({}))) as { stat?: string; message?: string; response?: unknown };
  if (res.status !== 200 || body.stat !== 'OK') throw new Error(`duo ${path}: HTTP ${res.status} ${body.message ?? ''}`.trim());
  return body.response;
}

/** `next_offset` as Duo sends it (`[ms, id]` for authentication logs, a string for telephony) → the query value. */
function nextOffsetOf(response: Record<string, unknown>): string | null {
  const next = isObject(response['metadata']) ? response['metadata']['next_offset'] : undefined;
  if (Array.isArray(next)) return next.length ? next.map(String).join(',') : null;
  return typeof next === 'string' && next ? next : null;
}

/** A page of a v2 log (authentication, telephony): a millisecond window ending Duo's lag before now. */
async function v2Page(ctx: PullContext<DuoPullSettings>, log: DuoLog, own: Record<string, unknown>): Promise<{ items: unknown[]; position: Record<string, unknown>; more: boolean }> {
  const maxtime = Number(own['maxtime'] ?? ctx.now.getTime() - DUO_LAG_MS);
  const mintime = Number(own['mintime'] ?? ctx.now.getTime() - ctx.settings.lookbackSeconds * 1000);
  const params: Record<string, string> = { mintime: String(mintime), maxtime: String(maxtime), limit: String(ctx.settings.pageSize), sort: 'ts:asc' };
  if (typeof own['next_offset'] === 'string') params['next_offset'] = own['next_offset'];
  const raw = await duoGet(ctx, log.path, params);
  const response = isObject(raw) ? raw : {};
  const items = log.items?.(response);
  const nextOffset = nextOffsetOf(response);
  // Drained: the next window starts just before this one's end.
  return nextOffset
    ? { items: Array.isArray(items) ? items : [], position: { mintime, maxtime, next_offset: nextOffset }, more: true }
    : { items: Array.isArray(items) ? items : [], position: { mintime: Math.max(mintime, maxtime - OVERLAP_MS) }, more: false };
}

/** A page of the administrator log: everything from `mintime` (seconds), about 1,000 at a time. */
async function adminPage(ctx: PullContext<DuoPullSettings>, own: Record<string, unknown>): Promise<{ items: unknown[]; position: Record<string, unknown>; more: boolean }> {
  const mintime = Math.floor(Number(own['mintime'] ?? (ctx.now.getTime() - ctx.settings.lookbackSeconds * 1000) / 1000));
  const raw = await duoGet(ctx, '/admin/v1/logs/administrator', { mintime: String(mintime) });
  const items = Array.isArray(raw) ? raw : [];
  if (items.length >= DUO_ADMIN_LOG_PAGE) {
    const newest = Math.max(mintime, ...items.map((i) => (isObject(i) ? Number(i['timestamp']) : 0)).filter(Number.isFinite));
    // A second holding a whole answer would be asked for forever: step past it.
    return { items, position: { mintime: newest > mintime ? newest : mintime + 1 }, more: true };
  }
  return { items, position: { mintime: Math.max(mintime, Math.floor((ctx.now.getTime() - OVERLAP_MS) / 1000)) }, more: false };
}

export const duoPuller: Puller<DuoPullSettings> = {
  kind: 'duo',
  settings: DuoPullSettings,
  async fetchPage(ctx, cursor): Promise<PullPage> {
    const index = Math.max(0, DUO_LOGS.findIndex((l) => l.name === (cursor?.['phase'] ?? 'auth')));
    const log = DUO_LOGS[index]!;
    const own = isObject(cursor?.[log.name]) ? (cursor[log.name] as Record<string, unknown>) : {};
    const page = log.name === 'administrator' ? await adminPage(ctx, own) : await v2Page(ctx, log, own);
    const moved: Cursor = { ...cursor, [log.name]: page.position };
    if (page.more) return { items: page.items, cursor: { ...moved, phase: log.name }, done: false };
    const following = DUO_LOGS[index + 1];
    return following ? { items: page.items, cursor: { ...moved, phase: following.name }, done: false } : { items: page.items, cursor: { ...moved, phase: DUO_LOGS[0].name }, done: true };
  },
};
