/**
 * The Google Workspace Reports API poller: a service account with domain-wide delegation signs a
 * JWT (RS256, with `jose`) impersonating an admin, exchanges it for an access token (JWT bearer
 * grant), and lists each stream's activities (`activities.list`) in turn, each with its own
 * window inside the source's cursor:
 *
 * - `login` — sign-ins, 2SV challenges, logouts, account warnings;
 * - `admin` — roles, super admin grants, 2SV enforcement, SSO and API-client settings;
 * - `user_accounts` — a user's own 2SV, password and recovery changes;
 * - `token:authorize`, `token:revoke` — OAuth grants to third-party apps. The token application
 *   also logs every API call such an app makes (`activity`); asking for the two grant events by
 *   `eventName` keeps that volume out.
 *
 * Google makes events available late (login events hours late): each window re-reads the last
 * `lateArrivalSeconds` of the previous one, and the overlap is deduplicated.
 *
 * The cursor of earlier versions, `{startTime, endTime?, pageToken?}` for the login application
 * alone, is read as the `login` stream's position; the other streams then start `lookbackSeconds`
 * back.
 *
 * @see https://developers.google.com/workspace/admin/reports/v1/reference/activities/list
 * @see https://developers.google.com/identity/protocols/oauth2/service-account#authorizingrequests
 * @see https://support.google.com/a/answer/7061566 (data retention and lag times)
 * @example {"phase":"admin","login":{"startTime":"2026-11-20T07:00:00.000Z"},"admin":{"startTime":"2026-11-20T07:00:00.000Z","endTime":"2026-11-20T10:00:00.000Z","pageToken":"A:1763…"}}
 */
import * as z from 'zod';
import { lazy } from '../../core/lazy.ts';
import type { Cursor, PullContext, Puller } from '../../core/pull.ts';
import { oauthToken } from '../oauth-token.ts';

export const GooglePullSettings = lazy(() => z.object({
  baseUrl: z.url().default('https://admin.googleapis.com'),
  serviceAccountKey: z.looseObject({ client_email: z.string().min(1), private_key: z.string().min(1), token_uri: z.url().optional() }),
  /** The admin the service account impersonates. */
  subject: z.string().min(3),
  tokenUrl: z.url().optional(),
  lookbackSeconds: z.number().int().positive().max(180 * 86_400).default(86_400),
  /** Login events can surface hours late; each window re-reads this much of the last one. */
  lateArrivalSeconds: z.number().int().min(0).max(86_400).default(3 * 3600),
  pageSize: z.number().int().min(1).max(1000).default(1000),
}));
export type GooglePullSettings = z.infer<typeof GooglePullSettings>;

export const REPORTS_SCOPE = 'https://www.googleapis.com/auth/admin.reports.audit.readonly';

/** The streams a Google source polls, in this order; one position each in the cursor. */
export const GOOGLE_STREAMS = [
  { key: 'login', application: 'login' },
  { key: 'admin', application: 'admin' },
  { key: 'user_accounts', application: 'user_accounts' },
  { key: 'token:authorize', application: 'token', eventName: 'authorize' },
  { key: 'token:revoke', application: 'token', eventName: 'revoke' },
] as const;
type Stream = (typeof GOOGLE_STREAMS)[number];
interface Position { startTime?: string; endTime?: string; pageToken?: string }

// ----- The service account's JWT (RS256), signed with jose (loaded with the first signature: only Google's puller signs) -----

const ASSERTION_SECONDS = 3600;
const keys = new Map<string, ReturnType<typeof import('jose').importPKCS8>>();
const assertions = new Map<string, { jwt: string; exp: number }>();

/** The signed JWT a service account exchanges for an access token (RS256; valid one hour, Google's maximum). */
export async function serviceAccountAssertion(key: { client_email: string; private_key: string }, subject: string, audience: string, now: Date): Promise<string> {
  const { importPKCS8, SignJWT } = await import('jose');
  let pkcs8 = keys.get(key.private_key);
  if (!pkcs8) {
    pkcs8 = importPKCS8(key.private_key, 'RS256');
    keys.set(key.private_key, pkcs8);
    pkcs8.catch(() => keys.delete(key.private_key));
  }
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ scope: REPORTS_SCOPE })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(key.client_email).setSubject(subject).setAudience(audience)
    .setIssuedAt(iat).setExpirationTime(iat + ASSERTION_SECONDS)
    .sign(await pkcs8);
}

/**
 * An assertion reused while it has ten minutes left: the token request that needs it happens only
 * when the cached access token runs out, and signing is the slow part of preparing one.
 */
async function assertionFor(s: GooglePullSettings, tokenUrl: string, now: Date): Promise<string> {
  const id = `${s.serviceAccountKey.client_email}|${s.subject}|${tokenUrl}|${s.serviceAccountKey.private_key}`;
  const hit = assertions.get(id);
  if (hit && hit.exp - now.getTime() / 1000 > 600) return hit.jwt;
  const jwt = await serviceAccountAssertion(s.serviceAccountKey, s.subject, tokenUrl, now);
  assertions.set(id, { jwt, exp: Math.floor(now.getTime() / 1000) + ASSERTION_SECONDS });
  return jwt;
}

async function googleToken(ctx: PullContext<GooglePullSettings>): Promise<string> {
  const s = ctx.settings;
  const tokenUrl = s.tokenUrl ?? s.serviceAccountKey.token_uri ?? 'https://oauth2.googleapis.com/token';
  const assertion = await assertionFor(s, tokenUrl, ctx.now);
  return oauthToken({
    http: ctx.http, now: ctx.now, vendor: 'google', tokenUrl, cacheKey: `${s.serviceAccountKey.client_email}|${s.subject}`,
    form: () => ({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
}

// ----- Paging through each stream -----

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positionOf = (v: unknown): Position => {
  if (!isObject(v)) return {};
  const out: Position = {};
  for (const k of ['startTime', 'endTime', 'pageToken'] as const) if (typeof v[k] === 'string') out[k] = v[k];
  return out;
};

/** The cursor as streams and positions; the login-only cursor of earlier versions is the `login` position. */
export function googleCursor(cursor: Cursor | null): { phase: Stream['key']; positions: Partial<Record<Stream['key'], Position>> } {
  const positions: Partial<Record<Stream['key'], Position>> = {};
  for (const s of GOOGLE_STREAMS) if (isObject(cursor?.[s.key])) positions[s.key] = positionOf(cursor[s.key]);
  if (!positions.login && typeof cursor?.['startTime'] === 'string') positions.login = positionOf(cursor);
  const phase = GOOGLE_STREAMS.find((s) => s.key === cursor?.['phase'])?.key ?? 'login';
  return { phase, positions };
}

async function listPage(ctx: PullContext<GooglePullSettings>, stream: Stream, start: string, end: string, pageToken: string | undefined) {
  const s = ctx.settings;
  const url = new URL(`/admin/reports/v1/activity/users/all/applications/${stream.application}`, new URL(s.baseUrl).origin);
  url.searchParams.set('startTime', start);
  url.searchParams.set('endTime', end);
  url.searchParams.set('maxResults', String(s.pageSize));
  if ('eventName' in stream) url.searchParams.set('eventName', stream.eventName);
  if (pageToken) url.searchParams.set('pageToken', pageToken);
  const res = await ctx.http(url.toString(), { headers: { authorization: `Bearer ${await googleToken(ctx)}`, accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`google activities.list ${stream.key}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  const body = (await res.json()) as { items?: unknown[]; nextPageToken?: string };
  return { items: Array.isArray(body.items) ? body.items : [], nextPageToken: typeof body.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : null };
}

export const googlePuller: Puller<GooglePullSettings> = {
  kind: 'google_workspace',
  settings: GooglePullSettings,
  async fetchPage(ctx, cursor) {
    const s = ctx.settings;
    const { phase, positions } = googleCursor(cursor);
    const index = GOOGLE_STREAMS.findIndex((x) => x.key === phase);
    const stream = GOOGLE_STREAMS[index]!;
    const own = positions[stream.key] ?? {};
    const start = own.startTime ?? new Date(ctx.now.getTime() - s.lookbackSeconds * 1000).toISOString();
    const end = own.endTime ?? ctx.now.toISOString();
    const page = await listPage(ctx, stream, start, end, own.pageToken);
    const next: Cursor = { ...positions };
    if (page.nextPageToken) return { items: page.items, cursor: { ...next, phase: stream.key, [stream.key]: { startTime: start, endTime: end, pageToken: page.nextPageToken } }, done: false };
    // This stream's window is drained: its next window re-reads the late-arrival span.
    next[stream.key] = { startTime: new Date(Math.max(Date.parse(start), Date.parse(end) - s.lateArrivalSeconds * 1000)).toISOString() };
    const following = GOOGLE_STREAMS[index + 1];
    return following ? { items: page.items, cursor: { ...next, phase: following.key }, done: false } : { items: page.items, cursor: { ...next, phase: GOOGLE_STREAMS[0].key }, done: true };
  },
};
