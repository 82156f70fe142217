/**
 * Entra sign-ins → AuthEvent: the Graph `signIn` resource (v1.0 and beta) and the `properties` of
 * the diagnostic-settings categories SignInLogs, NonInteractiveUserSignInLogs,
 * ServicePrincipalSignInLogs and ManagedIdentitySignInLogs (the same resource).
 *
 * MFA is read from what the record proves, never from a step that merely reused a session:
 * - a second-factor step (`authenticationStepRequirement` "Multifactor authentication" /
 *   "Secondary authentication") that succeeded, or "MFA requirement satisfied by strong
 *   authentication" (a passwordless method that is MFA by itself), is MFA performed;
 * - "MFA requirement satisfied by claim in the token" / "… provided by external provider" is an
 *   MFA claim carried (MFA done earlier in the session, or at the federated identity provider);
 * - "First factor requirement satisfied by claim in the token" ("Previously satisfied") is a
 *   reused *first* factor and proves nothing about MFA;
 * - "MFA requirement skipped due to …" (trusted location, remembered device, app password) is no MFA;
 * - `authenticationRequirement: multiFactorAuthentication` on a successful sign-in means MFA was
 *   satisfied ("the highest level of authentication needed … for the sign-in to succeed");
 * - a federated sign-in (`tokenIssuerType: ADFederationServices`) that proves none of the above
 *   had its MFA decided at the identity provider: `is_mfa` null, factor `external_idp`.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/signin
 * @see https://learn.microsoft.com/en-us/graph/api/resources/signin?view=graph-rest-beta
 * @see https://learn.microsoft.com/en-us/graph/api/resources/authenticationdetail?view=graph-rest-beta
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/concept-sign-in-log-activity-details
 * @see https://learn.microsoft.com/en-us/entra/identity/authentication/howto-mfa-reporting
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 * @example {"id":"6f…","createdDateTime":"2026-11-20T09:00:00Z","userPrincipalName":"jo@example.com",
 *   "status":{"errorCode":0},"authenticationRequirement":"singleFactorAuthentication",
 *   "authenticationDetails":[{"authenticationMethod":"Previously satisfied","succeeded":true,
 *   "authenticationStepResultDetail":"First factor requirement satisfied by claim in the token"}]}
 */
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Factor, type Outcome } from '../../core/event.ts';
import { cleanIp, lat, lon, looksLikeEmail, num, text, toCountryCode, toIsoMillis, table } from '../../core/fields.ts';
import { event, reject, type ItemResult } from '../../core/normalizer.ts';

// Only the fields the mapping reads are declared; `z.object` strips the others (never rejects
// them: `raw` keeps the record verbatim). On Entra's 50-key records stripping parses markedly
// faster than `z.looseObject`, which copies every unknown key (bench: 46 % → 66 % of the JSON
// limit). Optional fields fall back to null when a producer sends another type: a wrong optional
// field must not send a whole sign-in to the quarantine.
const Str = lazy(() => z.string().nullish().catch(null));
const Bool = lazy(() => z.boolean().nullish().catch(null));
const StrList = lazy(() => z.array(z.string()).nullish().catch(null));
const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.object(shape).nullish().catch(null);

const AuthDetail = lazy(() => z.object({
  authenticationMethod: built(Str), authenticationMethodDetail: built(Str), succeeded: built(Bool),
  authenticationStepResultDetail: built(Str), authenticationStepRequirement: built(Str),
}));

export const EntraSignIn = lazy(() => z.object({
  id: z.string().min(1),
  createdDateTime: z.string().min(1),
  userId: built(Str), userPrincipalName: built(Str), userDisplayName: built(Str),
  appId: built(Str), appDisplayName: built(Str), resourceId: built(Str), resourceDisplayName: built(Str),
  // workload identities (ServicePrincipal / ManagedIdentity sign-ins; beta `clientCredentialType`)
  servicePrincipalId: built(Str), servicePrincipalName: built(Str), clientCredentialType: built(Str),
  ipAddress: built(Str), userAgent: built(Str), correlationId: built(Str), sessionId: built(Str),
  isInteractive: built(Bool), signInEventTypes: built(StrList),
  authenticationRequirement: built(Str), tokenIssuerType: built(Str),
  status: obj({ errorCode: z.union([z.number(), z.string()]).nullish().catch(null), failureReason: built(Str), additionalDetails: built(Str) }),
  deviceDetail: obj({ deviceId: built(Str), displayName: built(Str), operatingSystem: built(Str), browser: built(Str) }),
  location: obj({
    city: built(Str), state: built(Str), countryOrRegion: built(Str),
    geoCoordinates: obj({ latitude: z.number().nullish().catch(null), longitude: z.number().nullish().catch(null) }),
  }),
  authenticationDetails: z.array(built(AuthDetail)).nullish().catch(null),
  mfaDetail: obj({ authMethod: built(Str), authDetail: built(Str) }),
  riskLevelDuringSignIn: built(Str), riskLevelAggregated: built(Str), riskState: built(Str),
  riskEventTypes_v2: built(StrList), riskEventTypes: built(StrList),
}));
export type EntraSignIn = z.infer<typeof EntraSignIn>;

/** What the diagnostic-settings envelope adds to the resource in `properties` (null for Graph). */
export interface Envelope {
  readonly category: string | null;
  readonly callerIpAddress: unknown;
  readonly resultType: unknown;
  readonly resultDescription: unknown;
}
export const NO_ENVELOPE: Envelope = { category: null, callerIpAddress: null, resultType: null, resultDescription: null };

// ---- result codes (reference-error-codes) --------------------------------------------------

/** The sign-in paused to ask for a second factor: a prompt, never a failure (50074 "did not pass the MFA challenge", 50076 "must use multifactor authentication", 50078 "presented MFA has expired", 50158 "external security challenge", the redirect to an external MFA provider). */
const MFA_PROMPTS = new Set([50074, 50076, 50078, 50158]);
/** The sign-in paused because the user must first register a second factor (50072, 50079): no second factor could be part of it. */
const MFA_REGISTRATION = new Set([50072, 50079]);
/**
 * Interrupts of the sign-in flow that have nothing to do with MFA: 50140 "Keep me signed in"
 * (KmsiInterrupt, "an expected part of the sign in flow"), 50199 CmsiInterrupt (confirm the app),
 * 50125 password reset/registration entry, 50097 device authentication required, 50058 no session
 * for single sign-on yet (silent sign-in asks the user to sign in). The completed sign-in that
 * follows (same correlationId) carries whether MFA was done.
 */
const INTERRUPTS = new Set([50140, 50199, 50125, 50097, 50058]);
/** 50053 IdsLocked: locked after too many attempts (or an IP with malicious activity). */
const LOCKED = 50053;
/** 500121: the strong authentication request failed: a second factor was attempted. */
const MFA_FAILED = 500121;

const FRAUD = /fraud/i;
const DECLINED = /declined|denied|rejected/i;
const NO_ANSWER = /timed? ?out|did not respond|never entered/i;

interface Result { category: Category; outcome: Outcome; kind: 'done' | 'prompt' | 'registration' | 'interrupt' | 'mfa_failed' | 'other' }

function resultOf(code: number, detailText: string): Result {
  if (code === 0) return { category: 'login', outcome: 'success', kind: 'done' };
  if (MFA_PROMPTS.has(code)) return { category: 'mfa_challenge', outcome: 'challenge', kind: 'prompt' };
  if (MFA_REGISTRATION.has(code)) return { category: 'login', outcome: 'challenge', kind: 'registration' };
  if (INTERRUPTS.has(code)) return { category: 'login', outcome: 'challenge', kind: 'interrupt' };
  if (code === MFA_FAILED) {
    const outcome = FRAUD.test(detailText) ? 'fraud' : DECLINED.test(detailText) && !NO_ANSWER.test(detailText) ? 'denied' : 'failure';
    return { category: 'mfa_verify', outcome, kind: 'mfa_failed' };
  }
  if (code === LOCKED) return { category: 'lockout', outcome: 'failure', kind: 'other' };
  return { category: 'login', outcome: 'failure', kind: 'other' };
}

// ---- factors ---------------------------------------------------------------------------------

const METHODS: [RegExp, Factor][] = [
  [/passwordless phone|notification|push|approv.*(app|authenticator)/i, 'push'],
  [/text message|\bsms\b/i, 'sms'],
  [/phone call|voice/i, 'voice'],
  [/fido|security key|passkey/i, 'webauthn'],
  [/windows hello|biometric/i, 'biometric'],
  [/verification code|oath|totp|software token|hardware token/i, 'totp'],
  [/certificate|x\.509/i, 'certificate'],
  [/email/i, 'email'],
  [/temporary access pass/i, 'bypass_code'],
  [/federat/i, 'external_idp'],
  [/password/i, 'password'],
];
const factorCache = new Map<string, Factor>();

/** An Entra authentication method name ("Mobile app notification", "FIDO2 security key", …) → factor. */
export function entraFactor(raw: string | null): Factor | null {
  if (!raw) return null;
  const hit = factorCache.get(raw);
  if (hit) return hit;
  const f = METHODS.find(([re]) => re.test(raw))?.[1] ?? 'other';
  if (factorCache.size < 1024) factorCache.set(raw, f);
  return f;
}

/** Workload identities authenticate with a client credential (beta `clientCredentialType`). */
const CLIENT_CREDENTIALS = table<Factor>({
  certificate: 'certificate', clientAssertion: 'certificate', clientSecret: 'password',
  federatedIdentityCredential: 'external_idp', managedIdentity: 'other',
});

const PREVIOUSLY = 'previously satisfied';
/** signIn.tokenIssuerType of a sign-in whose first factor a federated identity provider (AD FS) checked. */
const FEDERATED = 'ADFederationServices';
const isSecondStep = (req: string) => req.includes('multi') || req.includes('mfa') || req.includes('secondary') || req.includes('second factor');

/** What the record proves about MFA (see the file header). */
interface MfaEvidence {
  done: boolean; claim: boolean; skipped: boolean;
  /** The method behind the proof (or the step text for claims and skips) and its factor. */
  raw: string | null; factor: Factor | null;
  /** The first-factor method (Password, FIDO2 security key, Previously satisfied …). */
  primary: string | null;
  /** The second-factor method tried, whatever its result (for failed verifications and prompts). */
  attempted: string | null;
}

function mfaEvidence(s: EntraSignIn): MfaEvidence {
  const ev: MfaEvidence = { done: false, claim: false, skipped: false, raw: null, factor: null, primary: null, attempted: null };
  let strong = false;
  for (const d of s.authenticationDetails ?? []) {
    const detail = (d.authenticationStepResultDetail ?? '').toLowerCase();
    const method = text(d.authenticationMethod);
    const second = isSecondStep((d.authenticationStepRequirement ?? '').toLowerCase());
    if (!second && method && !ev.primary) ev.primary = method;
    if (detail.startsWith('mfa requirement skipped')) {
      ev.skipped = true;
      ev.raw ??= text(d.authenticationStepResultDetail);
      if (detail.includes('remembered device')) ev.factor ??= 'remembered_device';
    } else if (detail.startsWith('mfa requirement satisfied by claim')) {
      ev.claim = true;
      ev.raw = text(d.authenticationStepResultDetail);
      ev.factor = detail.includes('external provider') ? 'external_idp' : 'remembered_device';
    } else if (detail.startsWith('mfa requirement satisfied by strong authentication')) {
      ev.done = strong = true;
    } else if (second && method) {
      ev.attempted = method;
      if (d.succeeded === true && method.toLowerCase() !== PREVIOUSLY) ev.done = true;
      else if (d.succeeded === true) { ev.claim = true; ev.raw ??= method; ev.factor ??= 'remembered_device'; }
    }
  }
  const extra = (s.status?.additionalDetails ?? '').toLowerCase();
  if (extra.startsWith('mfa requirement satisfied by claim') && !ev.done && !ev.claim) {
    ev.claim = true;
    ev.raw = text(s.status?.additionalDetails);
    ev.factor = extra.includes('external provider') ? 'external_idp' : 'remembered_device';
  } else if ((extra.startsWith('mfa completed') || extra.startsWith('mfa successfully completed')) && !ev.claim) ev.done = true;
  else if (extra.startsWith('mfa requirement skipped')) { ev.skipped = true; ev.raw ??= text(s.status?.additionalDetails); }
  if (ev.done) {
    ev.raw = strong ? ev.primary : text(s.mfaDetail?.authMethod) ?? ev.attempted;
    ev.factor = entraFactor(ev.raw);
  }
  return ev;
}

// ---- the mapping -------------------------------------------------------------------------------

const EVENT_TYPES = table<string>({
  interactiveUser: 'SignInLogs', nonInteractiveUser: 'NonInteractiveUserSignInLogs',
  servicePrincipal: 'ServicePrincipalSignInLogs', managedIdentity: 'ManagedIdentitySignInLogs',
});
const WORKLOAD_TYPES = new Set(['ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs']);

/** The diagnostic category this sign-in belongs to, however it arrived (Graph beta names it in `signInEventTypes`). */
function signInType(s: EntraSignIn, env: Envelope): string {
  if (env.category) return env.category;
  for (const t of s.signInEventTypes ?? []) if (EVENT_TYPES[t]) return EVENT_TYPES[t];
  if (!text(s.userId) && !text(s.userPrincipalName) && text(s.servicePrincipalId)) return 'ServicePrincipalSignInLogs';
  return s.isInteractive === false ? 'NonInteractiveUserSignInLogs' : 'SignInLogs';
}

const RISK = ['none', 'low', 'medium', 'high'];
/** Risk an admin dismissed or confirmed safe: ID Protection's verdict was withdrawn. */
const WITHDRAWN = new Set(['dismissed', 'confirmedsafe']);
/**
 * The higher of the real-time and the aggregated risk level ("hidden" without an ID Protection
 * licence: no verdict); `none` when the risk was dismissed or confirmed safe (`riskState`).
 */
function riskOf(s: EntraSignIn): string | null {
  if (WITHDRAWN.has(s.riskState?.toLowerCase() ?? '')) return 'none';
  const a = RISK.indexOf(s.riskLevelDuringSignIn ?? '');
  const b = RISK.indexOf(s.riskLevelAggregated ?? '');
  return a < 0 && b < 0 ? null : RISK[Math.max(a, b)]!;
}

/**
 * `anonymizedIPAddress` is ID Protection's anonymous-IP detection (Tor, anonymizing VPN). Its
 * absence says "not an anonymizer" only where a user's sign-in was risk-evaluated (a risk level,
 * not "hidden"); workload identities have other detections, so there it is only ever true.
 */
function anonymizerOf(s: EntraSignIn, workload: boolean): boolean | null {
  const types = s.riskEventTypes_v2 ?? s.riskEventTypes;
  if (!types) return null;
  if (types.includes('anonymizedIPAddress')) return true;
  return !workload && RISK.includes(s.riskLevelDuringSignIn ?? '') ? false : null;
}

/** Every step's and the status's detail text: how a failed verification ended (declined, fraud, no answer). */
const detailText = (s: EntraSignIn) => [s.status?.additionalDetails, ...(s.authenticationDetails ?? []).map((d) => d.authenticationStepResultDetail)].filter(Boolean).join(' | ');

function reasonOf(s: EntraSignIn, code: number, env: Envelope): string | null {
  if (code === 0) return text(s.status?.additionalDetails);
  // The reason names the failing step once, not every step's detail.
  const failing = s.authenticationDetails?.find((d) => d.succeeded === false);
  const details = [text(s.status?.additionalDetails), text(failing?.authenticationStepResultDetail)].filter((x): x is string => !!x);
  const detail = [...new Set(details)].join('; ');
  return `${code}: ${text(s.status?.failureReason) ?? text(env.resultDescription) ?? 'error'}${detail ? ` (${detail})` : ''}`;
}

/** is_mfa and factor of a user's sign-in (see the file header and the truth table). */
function mfaOf(r: Result, ev: MfaEvidence, s: EntraSignIn, code: number): { is_mfa: boolean | null; factor: Factor | null; factor_raw: string | null } {
  if (r.kind === 'interrupt') return { is_mfa: null, factor: null, factor_raw: null };
  if (r.kind === 'mfa_failed' || r.kind === 'prompt') {
    const raw = text(s.mfaDetail?.authMethod) ?? ev.attempted;
    return { is_mfa: true, factor: raw ? entraFactor(raw) : code === 50158 ? 'external_idp' : null, factor_raw: raw };
  }
  if (r.kind === 'registration') return { is_mfa: false, factor: null, factor_raw: null };
  if (ev.done || ev.claim) return { is_mfa: true, factor: ev.factor, factor_raw: ev.raw };
  // A skip is no MFA; the factor is the remembered device when that is what skipped it, else the first factor.
  if (ev.skipped) return ev.factor ? { is_mfa: false, factor: ev.factor, factor_raw: ev.raw } : { is_mfa: false, factor: primaryFactor(ev.primary), factor_raw: ev.primary };
  // Success of a sign-in that needed MFA: MFA was satisfied, even when no step says how.
  const required = code === 0 && (s.authenticationRequirement === 'multiFactorAuthentication' || !!text(s.mfaDetail?.authMethod));
  if (required) {
    const raw = text(s.mfaDetail?.authMethod);
    return { is_mfa: true, factor: raw ? entraFactor(raw) : null, factor_raw: raw };
  }
  // A federated user authenticated at AD FS (or another federated IdP) and Entra asked for no MFA
  // claim: whether MFA happened was decided there, and its own log says ("MFA at the identity provider").
  if (code === 0 && s.tokenIssuerType === FEDERATED) return { is_mfa: null, factor: 'external_idp', factor_raw: FEDERATED };
  return { is_mfa: false, factor: primaryFactor(ev.primary), factor_raw: ev.primary };
}

/** A reused session ("Previously satisfied") is no factor presented in this sign-in. */
const primaryFactor = (m: string | null) => (m && m.toLowerCase() !== PREVIOUSLY ? entraFactor(m) : null);

export function mapEntraSignIn(s: EntraSignIn, raw: string, env: Envelope): ItemResult {
  const time = toIsoMillis(s.createdDateTime);
  if (!time) return reject(`entra sign-in ${s.id}: "createdDateTime" is not a time`);
  const code = num(s.status?.errorCode) ?? num(env.resultType) ?? 0;
  const type = signInType(s, env);
  const r = resultOf(code, code === MFA_FAILED ? detailText(s) : '');
  // A service principal or managed identity signed in: no user took part, and MFA does not apply
  // to a workload identity. The identity that acted is the actor; the API it asked a token for is
  // the application. (One object literal: spreading partial objects costs V8 a slow path.)
  const workload = WORKLOAD_TYPES.has(type);
  const m = workload ? null : mfaOf(r, mfaEvidence(s), s, code);
  const cred = workload ? text(s.clientCredentialType) : null;
  const upn = workload ? null : text(s.userPrincipalName);
  const device = workload ? null : s.deviceDetail;
  const la = lat(s.location?.geoCoordinates?.latitude);
  const lo = lon(s.location?.geoCoordinates?.longitude);
  const nullIsland = la === 0 && lo === 0;
  return event(canonical({
    event_uid: s.id,
    event_time: time,
    raw_event_type: type,
    category: r.category,
    outcome: r.outcome,
    reason: reasonOf(s, code, env),
    is_mfa: m ? m.is_mfa : null,
    factor: m ? m.factor : cred ? CLIENT_CREDENTIALS[cred] ?? null : null,
    factor_raw: m ? m.factor_raw : cred,
    user_id: workload ? null : text(s.userId),
    user_login: upn,
    user_email: looksLikeEmail(upn) ? upn.toLowerCase() : null,
    actor_id: workload ? text(s.servicePrincipalId) ?? text(s.appId) : null,
    actor_login: workload ? text(s.servicePrincipalName) ?? text(s.appDisplayName) : null,
    src_ip: cleanIp(s.ipAddress) ?? cleanIp(env.callerIpAddress),
    user_agent: workload ? null : text(s.userAgent),
    os: text(device?.operatingSystem),
    browser: text(device?.browser),
    device_id: text(device?.deviceId),
    device_name: text(device?.displayName),
    geo_country: toCountryCode(s.location?.countryOrRegion),
    geo_region: text(s.location?.state),
    geo_city: text(s.location?.city),
    // Null Island (0, 0) is what managed-identity sign-ins carry for "no location".
    geo_lat: nullIsland ? null : la,
    geo_lon: nullIsland ? null : lo,
    session_id: workload ? null : text(s.sessionId),
    correlation_id: text(s.correlationId),
    app_id: workload ? text(s.resourceId) ?? text(s.appId) : text(s.appId),
    app_name: workload ? text(s.resourceDisplayName) ?? text(s.appDisplayName) : text(s.appDisplayName),
    risk_level: riskOf(s),
    anonymizer: anonymizerOf(s, workload),
    raw,
  }));
}
