/**
 * The pure parts of investigations (`authtrail timeline` and the investigation API): request
 * validation, opaque cursors, the alias expansion over the user index, and the summary's
 * arithmetic. No I/O here: lambdas/adapters/investigate.ts reads the tables.
 */
import { createHash } from 'node:crypto';
import type { AuthEvent } from './event.ts';

/** A page holds 100 events unless asked; never more than 1,000 (one response stays well under 6 MB). */
export const DEFAULT_LIMIT = 100;
export const MAX_LIMIT = 1000;
/** The default window of `--ip`, `--since` and the API's `since`. */
export const DEFAULT_WINDOW_MS = 24 * 3_600_000;
/** Alias expansion: at most this many rounds and user keys per search (see the README). */
export const MAX_ALIAS_ROUNDS = 3;
export const MAX_ALIAS_KEYS = 10;
/** Events of one key read to find its aliases. */
export const ALIAS_SAMPLE = 50;

/** A request a user got wrong: 400 in the API, a usage error in the CLI. */
export class InvestigationError extends Error {
  override name = 'InvestigationError';
}

const DURATION = /^(\d{1,5})(m|h|d)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `15m`, `24h`, `7d` → milliseconds. */
export function parseDuration(what: string, v: string): number {
  const m = DURATION.exec(v);
  if (!m || Number(m[1]) === 0) throw new InvestigationError(`${what} takes a duration such as 15m, 24h or 7d, not "${v.slice(0, 40)}"`);
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** An ISO 8601 time or a duration back from now → epoch ms. */
export function parseTime(what: string, v: string, now: number): number {
  if (DURATION.test(v)) return now - parseDuration(what, v);
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) || Number.isNaN(Date.parse(v))) {
    throw new InvestigationError(`${what} takes an ISO 8601 time (2026-11-20T10:00:00Z) or a duration back from now (24h), not "${v.slice(0, 40)}"`);
  }
  return Date.parse(v);
}

export function parseLimit(v: string | undefined): number {
  if (v === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,7}$/.test(v) || Number(v) < 1) throw new InvestigationError(`limit takes a whole number from 1 to ${MAX_LIMIT}, not "${v.slice(0, 20)}"`);
  if (Number(v) > MAX_LIMIT) throw new InvestigationError(`limit is at most ${MAX_LIMIT} (page on with the cursor)`);
  return Number(v);
}

export type Search =
  | { readonly kind: 'user'; readonly user: string }
  | { readonly kind: 'ip'; readonly ip: string }
  | { readonly kind: 'time' };

export interface EventsQuery {
  readonly tenant: string;
  readonly search: Search;
  /** Window, epoch ms (inclusive). */
  readonly since: number;
  readonly until: number;
  readonly limit: number;
  readonly cursor?: Cursor | undefined;
}

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-fA-F:.]{2,45}$/;

/** A user identifier as searched: trimmed, lowercased (keys of the user index are lowercased). */
export function userIdentifier(v: string): string {
  const u = v.trim().toLowerCase();
  if (!u || u.length > 512) throw new InvestigationError('user takes an email, login or user id (1 to 512 characters)');
  return u;
}

export function ipAddress(v: string): string {
  const ip = v.trim();
  if (!(IPV4.test(ip) && ip.split('.').every((x) => Number(x) <= 255)) && !(ip.includes(':') && IPV6.test(ip))) {
    throw new InvestigationError(`ip takes an IPv4 or IPv6 address, not "${v.slice(0, 60)}"`);
  }
  return ip.toLowerCase();
}

/**
 * The window of a search: `since` (default the last 24 h) to `until` (default now), no longer
 * than the hot table keeps events (`hotDays`): older events are only in the archive.
 */
export function windowOf(o: { since?: string | undefined; until?: string | undefined; now: number; hotDays: number }): { since: number; until: number } {
  const until = o.until === undefined ? o.now : parseTime('until', o.until, o.now);
  const since = o.since === undefined ? until - DEFAULT_WINDOW_MS : parseTime('since', o.since, o.now);
  if (since > until) throw new InvestigationError('since is after until');
  const oldest = o.now - o.hotDays * 86_400_000;
  if (since < oldest - 60_000) throw new InvestigationError(`since reaches back beyond the hot table's ${o.hotDays} days: query the archive (authtrail query) for older events`);
  return { since, until };
}

// ---- cursors ----------------------------------------------------------------------------------

/**
 * Where the next page starts: strictly older than `before`, the sort key (`<event_time>#<item
 * key>`) of the last event returned. The index sort keys of both indexes have that one shape, so
 * one position covers every user key or every day partition read. The cursor is bound to its
 * tenant and search (`q`): a cursor of another search or tenant is refused, and it only ever
 * narrows a read whose partition keys the server derives from the path's tenant.
 */
export interface Cursor { readonly before: string }

const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z#[^\u0000]{1,1100}$/u;

/**
 * What a cursor is bound to: the tenant and the search — not the window (a window relative to
 * now moves between pages; the position alone keeps the pages apart) nor the page size.
 */
export function searchHash(tenant: string, search: Search): string {
  const s = search.kind === 'user' ? `u:${search.user}` : search.kind === 'ip' ? `i:${search.ip}` : 't';
  return createHash('sha256').update(JSON.stringify([tenant, s])).digest('base64url').slice(0, 16);
}

export function encodeCursor(c: Cursor, bound: string): string {
  return Buffer.from(JSON.stringify({ v: 1, q: bound, b: c.before }), 'utf8').toString('base64url');
}

/** A cursor from a client: anything not made by `encodeCursor` for this very search is a 400. */
export function decodeCursor(text: string, bound: string): Cursor {
  const bad = (why: string) => new InvestigationError(`cursor is not valid (${why}): pass next_cursor of the previous page unchanged, with the same search`);
  if (text.length > 2048 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad('not base64url');
  let raw: unknown;
  try { raw = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')); } catch { throw bad('not JSON'); }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad('not an object');
  const o = raw as Record<string, unknown>;
  if (o['v'] !== 1 || Object.keys(o).length !== 3) throw bad('unknown version');
  if (o['q'] !== bound) throw bad('made for another search or tenant');
  if (typeof o['b'] !== 'string' || !SORT_KEY.test(o['b'])) throw bad('no position');
  return { before: o['b'] };
}

// ---- sort keys and windows ----------------------------------------------------------------------

/** The upper bound of a window on an index sort key (`<event_time>#<pk>`): every key of `until`'s millisecond. */
export const sortKeyHigh = (until: number) => `${new Date(until).toISOString()}#\uffff`;
export const sortKeyLow = (since: number) => new Date(since).toISOString();

/** The days (`YYYY-MM-DD`) of a window, newest first: the time index's partitions. */
export function daysOf(since: number, until: number): string[] {
  const out: string[] = [];
  for (let d = Date.parse(new Date(until).toISOString().slice(0, 10)); d >= Date.parse(new Date(since).toISOString().slice(0, 10)); d -= 86_400_000) {
    out.push(new Date(d).toISOString().slice(0, 10));
  }
  return out;
}

// ---- alias expansion ----------------------------------------------------------------------------

export type Identity = Pick<AuthEvent, 'user_email' | 'user_login' | 'user_id'>;

/** The user keys an event can be found by: its email, login and id, lowercased. */
export function identifiersOf(e: Partial<Identity>): string[] {
  const out = new Set<string>();
  for (const v of [e.user_email, e.user_login, e.user_id]) if (typeof v === 'string' && v.trim()) out.add(v.trim().toLowerCase());
  return [...out];
}

/**
 * The user keys of one person: start from the given identifier's key; every email, login and id
 * found on its events is a key too, whose events are read once in turn — for at most
 * `MAX_ALIAS_ROUNDS` rounds and `MAX_ALIAS_KEYS` keys. `sample(key)` reads a few of the key's
 * events. Keys are returned in the order found, the given one first.
 */
export async function expandAliases(start: string, sample: (key: string) => Promise<readonly Partial<Identity>[]>, o: { rounds?: number; maxKeys?: number } = {}): Promise<{ keys: string[]; truncated: boolean }> {
  const rounds = o.rounds ?? MAX_ALIAS_ROUNDS;
  const maxKeys = o.maxKeys ?? MAX_ALIAS_KEYS;
  const keys = [start];
  const seen = new Set(keys);
  let frontier = [start];
  let truncated = false;
  for (let round = 0; round < rounds && frontier.length; round++) {
    const found = await Promise.all(frontier.map((k) => sample(k)));
    const next: string[] = [];
    for (const events of found) {
      for (const e of events) {
        for (const id of identifiersOf(e)) {
          if (seen.has(id)) continue;
          if (keys.length >= maxKeys) { truncated = true; continue; }
          seen.add(id);
          keys.push(id);
          next.push(id);
        }
      }
    }
    frontier = next;
    if (round === rounds - 1 && frontier.length) truncated = true;
  }
  return { keys, truncated };
}

// ---- pages -------------------------------------------------------------------------------------

export interface IndexedEvent { readonly sk: string; readonly pk: string; readonly event: TimelineEvent }

/** What a timeline row shows: the canonical event without `raw` (the indexes do not carry it). */
export type TimelineEvent = Partial<Omit<AuthEvent, 'raw'>> & Pick<AuthEvent, 'tenant' | 'source_id' | 'event_uid' | 'event_time'>;

/**
 * One page from several newest-first runs (one per user key or time partition): merged newest
 * first, each event once, `limit` of them; `more` when any run or the merge held more.
 */
export function mergePage(runs: readonly (readonly IndexedEvent[])[], limit: number, runMore: boolean): { events: IndexedEvent[]; more: boolean } {
  const byPk = new Map<string, IndexedEvent>();
  for (const run of runs) for (const e of run) if (!byPk.has(e.pk)) byPk.set(e.pk, e);
  const all = [...byPk.values()].sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0));
  return { events: all.slice(0, limit), more: runMore || all.length > limit };
}

// ---- summary -----------------------------------------------------------------------------------

/** Successful sign-ins, as the shipped `mfa_coverage_by_user` query counts them (and `report`). */
const SIGN_IN_CATEGORIES = new Set(['login', 'sso', 'mfa_verify', 'mfa_bypass']);

export interface SummaryCounts {
  events: number;
  sign_ins: number;
  sign_ins_with_mfa: number;
  sign_ins_without_mfa: number;
  /** with MFA ÷ sign-ins whose MFA is known, in percent to one decimal; null without any. */
  mfa_coverage_percent: number | null;
  /** Events with outcome `failure` (sign-ins and second factors alike). */
  failures: number;
  /** Events with outcome `denied` (a user rejected a prompt). */
  denials: number;
  users: number;
}

export function summarize(events: Iterable<Partial<AuthEvent>>): SummaryCounts {
  const c: SummaryCounts = { events: 0, sign_ins: 0, sign_ins_with_mfa: 0, sign_ins_without_mfa: 0, mfa_coverage_percent: null, failures: 0, denials: 0, users: 0 };
  let judged = 0;
  const users = new Set<string>();
  for (const e of events) {
    c.events++;
    const u = (e.user_email ?? e.user_login ?? e.user_id)?.toLowerCase();
    if (u) users.add(u);
    if (e.outcome === 'failure') c.failures++;
    if (e.outcome === 'denied') c.denials++;
    if (e.outcome !== 'success' || !e.category || !SIGN_IN_CATEGORIES.has(e.category)) continue;
    c.sign_ins++;
    if (e.is_mfa === true) c.sign_ins_with_mfa++;
    if (e.is_mfa === false) c.sign_ins_without_mfa++;
    if (e.is_mfa === true || e.is_mfa === false) judged++;
  }
  c.users = users.size;
  c.mfa_coverage_percent = judged ? Math.round((1000 * c.sign_ins_with_mfa) / judged) / 10 : null;
  return c;
}

/** Open alerts counted by rule, rules in name order. */
export function countByRule(alerts: readonly { rule: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of [...alerts].sort((x, y) => x.rule.localeCompare(y.rule))) out[a.rule] = (out[a.rule] ?? 0) + 1;
  return out;
}

// ---- the API's requests ------------------------------------------------------------------------

export type Resource = 'events' | 'alerts' | 'summary';

/**
 * Investigation routes: `/v1/tenants/{tenant}/events|alerts|summary` (IAM-authorized in AWS, for
 * tooling) and the same under `/v1/console/` plus `/v1/console/me` (the web console's, authorized
 * by a signed-in analyst's tenant groups in AWS). Nothing else.
 */
export const INVESTIGATION_PATH = /^\/v1\/(console\/)?tenants\/([A-Za-z0-9_-]{1,64})\/(events|alerts|summary)$/;
/** Every path under `/v1/tenants/` or `/v1/console/` (the local runtime guards them all with its token). */
export const isInvestigationPath = (pathname: string) =>
  pathname === '/v1/tenants' || pathname.startsWith('/v1/tenants/') || pathname === '/v1/console' || pathname.startsWith('/v1/console/');

export type InvestigationPath =
  | { readonly console: boolean; readonly tenant: string; readonly resource: Resource }
  | { readonly console: true; readonly resource: 'me' };

export function parseInvestigationPath(rawPath: string): InvestigationPath | null {
  if (rawPath === '/v1/console/me') return { console: true, resource: 'me' };
  const m = INVESTIGATION_PATH.exec(rawPath);
  return m ? { console: !!m[1], tenant: m[2]!, resource: m[3] as Resource } : null;
}

/** The user-pool group whose members may see a tenant in the console. */
export const tenantGroup = (tenant: string) => `tenant-${tenant}`;

/**
 * The tenants a signed-in analyst may see: the deployment's tenants whose group
 * (`tenantGroup`) the token's `cognito:groups` claim names. API Gateway's JWT authorizer hands
 * claims over as strings, a list claim flattened to `[a b c]`; a real array is read too.
 */
export function tenantsOfClaims(claims: Record<string, unknown> | undefined, deploymentTenants: readonly string[]): string[] {
  const raw = claims?.['cognito:groups'];
  const groups = Array.isArray(raw) ? raw.map(String)
    : typeof raw === 'string' ? raw.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean)
      : [];
  const named = new Set(groups);
  return deploymentTenants.filter((t) => named.has(tenantGroup(t)));
}

const only = (params: Record<string, string | undefined>, allowed: readonly string[]) => {
  const extra = Object.keys(params).filter((k) => !allowed.includes(k));
  if (extra.length) throw new InvestigationError(`unknown parameter ${extra[0]!.slice(0, 40)} (this route takes ${allowed.join(', ')})`);
};

/** `events?user=…|ip=…&since=…&until=…&limit=…&cursor=…` (also what `authtrail timeline` builds). */
export function eventsQueryFrom(tenant: string, params: Record<string, string | undefined>, o: { now: number; hotDays: number }): EventsQuery {
  only(params, ['user', 'ip', 'since', 'until', 'limit', 'cursor']);
  const { user, ip } = params;
  if (user !== undefined && ip !== undefined) throw new InvestigationError('give user or ip, not both');
  const search: Search = user !== undefined ? { kind: 'user', user: userIdentifier(user) } : ip !== undefined ? { kind: 'ip', ip: ipAddress(ip) } : { kind: 'time' };
  // A user's timeline is the whole hot table unless told otherwise (a few index ranges; the table
  // expires items by their ingest time, so late-delivered old events are there too).
  const w = search.kind === 'user' && params.since === undefined
    ? { since: 0, until: params.until === undefined ? o.now : parseTime('until', params.until, o.now) }
    : windowOf({ since: params.since, until: params.until, now: o.now, hotDays: o.hotDays });
  const limit = parseLimit(params.limit);
  const q: EventsQuery = { tenant, search, ...w, limit };
  return params.cursor === undefined ? q : { ...q, cursor: decodeCursor(params.cursor, searchHash(tenant, search)) };
}

/** `alerts?status=open|all&since=…` (default open, since 7 days). */
export function alertsQueryFrom(params: Record<string, string | undefined>, now: number): { status: 'open' | 'all'; since: number } {
  only(params, ['status', 'since']);
  const status = params.status ?? 'open';
  if (status !== 'open' && status !== 'all') throw new InvestigationError(`status takes open or all, not "${status.slice(0, 20)}"`);
  const since = params.since === undefined ? now - 7 * 86_400_000 : parseTime('since', params.since, now);
  if (since > now) throw new InvestigationError('since is in the future');
  if (now - since > 400 * 86_400_000) throw new InvestigationError('since reaches back at most 400 days');
  return { status, since };
}

/** `summary?window=24h` (at most 7 days: a summary reads every event of its window). */
export function summaryQueryFrom(params: Record<string, string | undefined>, now: number, hotDays: number): { since: number } {
  only(params, ['window']);
  const ms = parseDuration('window', params.window ?? '24h');
  if (ms > Math.min(7, hotDays) * 86_400_000) throw new InvestigationError(`window is at most ${Math.min(7, hotDays)}d`);
  return { since: now - ms };
}
