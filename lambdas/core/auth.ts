/**
 * Webhook authentication (CONTRACT §2 `auth`). Comparisons run in constant time over
 * fixed-length digests, so neither content nor length of a secret leaks through timing. While a
 * secret is rotated a source accepts several (README, "Rotating a source's secret"): each is
 * compared, always all of them, so timing does not tell which one matched either.
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

/**
 * Where the secrets a source accepts are: inline (local mode), a Secrets Manager id (ARN, or the
 * name of a secret the CDK app generated; its `AWSPREVIOUS` version is accepted too), and during
 * a rotation the secret being replaced (`previousSecretArn` / `previousTokenArn`).
 */
export interface SecretRefs {
  readonly value?: string | undefined;
  readonly arn?: string | undefined;
  readonly previousArn?: string | undefined;
}

export function secretRefs(auth: SourceAuth): SecretRefs | null {
  switch (auth.type) {
    case 'shared-secret':
    case 'hmac-sha256':
    case 'hmac-sha512':
      return { value: auth.secret, arn: auth.secretArn ?? auth.secretName, previousArn: auth.previousSecretArn };
    case 'google-channel-token':
      return { value: auth.token, arn: auth.tokenArn ?? auth.tokenName, previousArn: auth.previousTokenArn };
    case 'none':
      return null;
  }
}

/** The current secret alone (`value` or `arn`), for callers that resolve one value. */
export function secretRef(auth: SourceAuth): { value?: string | undefined; arn?: string | undefined } | null {
  const r = secretRefs(auth);
  return r && { value: r.value, arn: r.arn };
}

/** Resolves one secret: the inline value, or the current version of the secret `arn` names. */
export type SecretValueResolver = (ref: { value?: string | undefined; arn?: string | undefined }) => Promise<string>;

/**
 * The secrets a source accepts, cached by the adapter. `refresh` is asked after a failed check:
 * it answers fresher candidates when it looked again, or null when it may not look yet (a rate
 * limit, so failed requests cannot force a Secrets Manager call each).
 */
export interface SecretSource {
  candidates(refs: SecretRefs): Promise<readonly string[]>;
  refresh(refs: SecretRefs): Promise<readonly string[] | null>;
}

const isSecretSource = (s: SecretValueResolver | SecretSource): s is SecretSource =>
  typeof (s as Partial<SecretSource>).candidates === 'function' && typeof (s as Partial<SecretSource>).refresh === 'function';

/** A plain resolver as a source: the current secret and the previous one, never refreshed. */
function fromResolver(resolve: SecretValueResolver): SecretSource {
  return {
    async candidates(refs) {
      const out: string[] = [];
      if (refs.value !== undefined || refs.arn !== undefined) out.push(await resolve({ value: refs.value, arn: refs.arn }));
      if (refs.previousArn !== undefined) out.push(await resolve({ arn: refs.previousArn }));
      return out;
    },
    refresh: async () => null,
  };
}

/**
 * The whole check of a webhook request: every secret the source accepts is tried (in constant
 * time each, all of them always, so timing does not tell which one matched). When none matches,
 * the secret source may look again once (a secret put into Secrets Manager seconds ago is then
 * accepted at once, not after the cache's five minutes); the rate limit is the source's.
 */
export async function authenticate(auth: SourceAuth, secrets: SecretValueResolver | SecretSource, headers: Headers, rawBody: Buffer, nowMs: number): Promise<boolean> {
  const refs = secretRefs(auth);
  if (!refs) return verifyRequest(auth, null, headers, rawBody, nowMs);
  const source = isSecretSource(secrets) ? secrets : fromResolver(secrets);
  if (verifyRequest(auth, await source.candidates(refs), headers, rawBody, nowMs)) return true;
  const fresher = await source.refresh(refs);
  return !!fresher && verifyRequest(auth, fresher, headers, rawBody, nowMs);
}

/**
 * True when the request proves knowledge of one of the source's secrets. `secret` is the resolved
 * value or every accepted value (null for `none`). Any failure is just `false`: the caller
 * answers 401 without detail.
 */
export function verifyRequest(auth: SourceAuth, secret: string | readonly string[] | null, headers: Headers, rawBody: Buffer, nowMs: number): boolean {
  if (auth.type === 'none') return true;
  const secrets = (secret === null ? [] : typeof secret === 'string' ? [secret] : secret).filter((x) => x.length > 0);
  // Every candidate is checked, and the results are combined without a short cut.
  return secrets.map((s) => verifyOne(auth, s, headers, rawBody, nowMs)).reduce((any, ok) => any | Number(ok), 0) === 1;
}

function verifyOne(auth: Exclude<SourceAuth, { type: 'none' }>, secret: string, headers: Headers, rawBody: Buffer, nowMs: number): boolean {
  switch (auth.type) {
    case 'shared-secret': {
      const got = headers[auth.header];
      return typeof got === 'string' && constantTimeEqual(got, secret);
    }
    case 'google-channel-token': {
      const got = headers['x-goog-channel-token'];
      return typeof got === 'string' && constantTimeEqual(got, secret);
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

function verifyHmac(auth: HmacAuth, algorithm: 'sha256' | 'sha512', secret: string, headers: Headers, rawBody: Buffer, nowMs: number): boolean {
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
  return candidates.map((c) => constantTimeEqual(c, HEX.test(sent) ? sent.toLowerCase() : sent)).reduce((any, ok) => any | Number(ok), 0) === 1;
}
