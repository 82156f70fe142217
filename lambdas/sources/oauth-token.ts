/**
 * OAuth 2.0 token requests the pollers share (Entra client credentials, Google JWT bearer):
 * a form POST, the vendor's error text on failure, and a per-process cache until a minute
 * before expiry, so one token serves every page of a run and the runs that follow.
 */
import type { HttpFetch } from '../core/pull.ts';

const cache = new Map<string, { token: string; expires: number }>();

export async function oauthToken(o: { http: HttpFetch; now: Date; vendor: string; tokenUrl: string; cacheKey: string; form: () => Record<string, string> }): Promise<string> {
  const key = `${o.tokenUrl}|${o.cacheKey}`;
  const cached = cache.get(key);
  if (cached && cached.expires > o.now.getTime() + 60_000) return cached.token;
  const res = await o.http(o.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(o.form()).toString(),
  });
  const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
  if (res.status !== 200 || !body.access_token) {
    throw new Error(`${o.vendor} token: HTTP ${res.status} ${body.error ?? ''} ${(body.error_description ?? '').split('\n')[0]}`.trim());
  }
  cache.set(key, { token: body.access_token, expires: o.now.getTime() + (body.expires_in ?? 3600) * 1000 });
  return body.access_token;
}
