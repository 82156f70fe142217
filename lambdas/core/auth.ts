/**
 * Webhook authentication (CONTRACT §2 `auth`). Comparisons run in constant time over
 * fixed-length digests, so neither content nor length of a secret leaks through timing.
 *
 * HMAC sources sign with the one algorithm their `type` names (`hmac-sha256`, `hmac-sha512`):
 * the algorithm never comes from the request, so a sender cannot downgrade it. A sender that
 * declares its algorithm in `<signature header>-algorithm` (Keycloak's event hooks send
 * `X-Keycloak-Signature-Algorithm: HmacSHA256|HmacSHA512` next to `X-Keycloak-Signature`) must
 * declare the configured one: a mismatch is refused as a misconfiguration, not tried with the
 * other algorithm.
 *
 * @see https://github.com/keycloak/keycloak/blob/main/docs/documentation/server_admin/topics/events/hooks.adoc
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SourceAuth } from './config.ts';

export type Headers = Readonly<Record<string, string | undefined>>;

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();
export const constantTimeEqual = (a: string | Buffer, b: string | Buffer) => timingSafeEqual(digest(a), digest(b));

/** The secret a source's auth refers to: inline, or a Secrets Manager id (ARN or name). */
export function secretRef(auth: SourceAuth): { value?: string | undefined; arn?: string | undefined } | null {
  switch (auth.type) {
    case 'shared-secret':
    case 'hmac-sha256':
    case 'hmac-sha512':
      return { value: auth.secret, arn: auth.secretArn ?? auth.secretName };
    case 'google-channel-token':
      return { value: auth.token, arn: auth.tokenArn ?? auth.tokenName };
    case 'none':
      return null;
  }
}

/**
 * True when the request proves knowledge of the source's secret. `secret` is the resolved value
 * (null for `none`). Any failure is just `false`: the caller answers 401 without detail.
 */
export function verifyRequest(auth: SourceAuth, secret: string | null, headers: Headers, rawBody: Buffer, nowMs: number): boolean {
  switch (auth.type) {
    case 'none':
      return true;
    case 'shared-secret': {
      const got = headers[auth.header];
      return !!secret && typeof got === 'string' && constantTimeEqual(got, secret);
    }
    case 'google-channel-token': {
      const got = headers['x-goog-channel-token'];
      return !!secret && typeof got === 'string' && constantTimeEqual(got, secret);
    }
    case 'hmac-sha256':
    case 'hmac-sha512':
      return verifyHmac(auth, auth.type === 'hmac-sha512' ? 'sha512' : 'sha256', secret, headers, rawBody, nowMs);
  }
}

type HmacAuth = Extract<SourceAuth, { type: 'hmac-sha256' | 'hmac-sha512' }>;
const SIGNATURE_PREFIX = /^sha(?:256|512)=/i;
const HEX = /^[0-9A-F]+$/;

/**
 * `HmacSHA512`, `HMAC-SHA512`, `hmac_sha512`, `sha512` → `sha512`; anything else stays itself
 * (and so differs from the configured algorithm).
 */
const algorithmName = (declared: string) => declared.toLowerCase().replace(/[^a-z0-9]/g, '').replace(/^hmac/, '');

function verifyHmac(auth: HmacAuth, algorithm: 'sha256' | 'sha512', secret: string | null, headers: Headers, rawBody: Buffer, nowMs: number): boolean {
  const sent = headers[auth.header]?.trim().replace(SIGNATURE_PREFIX, '');
  if (!secret || !sent) return false;
  const declared = headers[`${auth.header}-algorithm`];
  if (declared !== undefined && algorithmName(declared) !== algorithm) return false;
  const mac = createHmac(algorithm, secret);
  if (auth.timestampHeader) {
    const ts = headers[auth.timestampHeader]?.trim();
    const tsMs = ts && /^\d+$/.test(ts) ? (ts.length > 11 ? Number(ts) : Number(ts) * 1000) : NaN;
    if (!Number.isFinite(tsMs) || Math.abs(nowMs - tsMs) > auth.toleranceSeconds * 1000) return false;
    mac.update(`${ts}.`);
  }
  const expected = mac.update(rawBody).digest();
  const candidates = [expected.toString('hex'), expected.toString('base64'), expected.toString('base64url')];
  // Evaluate every candidate so timing does not depend on which encoding matched.
  return candidates.map((c) => constantTimeEqual(c, HEX.test(sent) ? sent.toLowerCase() : sent)).some(Boolean);
}
