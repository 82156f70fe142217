/**
 * What a detection rule is made of (`rules/<rule>/index.ts`): its id, its settings (schema and
 * documented defaults, built on first use), which events concern it, the evidence it records, and
 * its step over the shared context the engine gives it. The engine (`../engine.ts`) keeps the
 * windows, suppression, evidence caps and state bounding; the registry (`./index.ts`) lists the
 * rules in the order they are evaluated.
 */
import type * as z from 'zod';
import type { AuthEvent } from '../../event.ts';
import type { KeyState, Occurrence, Severity, Signal } from '../engine.ts';

// ---- settings schemas ---------------------------------------------------------------------

// A rule's settings schemas are built from the zod it is handed (`settings(z)`), when the config
// is parsed (the CDK app, the local runtime); a deployed function's config is parsed already, so
// the detector neither builds them nor loads zod.
/**
 * The zod builders the config parser hands each rule (detect/settings.ts `ZOD`): named functions,
 * not zod's namespace, so that a bundle keeps only what it uses.
 */
export interface Zod {
  boolean: typeof z.boolean; number: typeof z.number; string: typeof z.string;
  array: typeof z.array; record: typeof z.record; strictObject: typeof z.strictObject;
}
export const enabled = (z: Zod) => z.boolean();
const count = (z: Zod) => z.number().int().min(1).max(500);
export const minutes = (z: Zod) => z.number().int().min(1).max(24 * 60);

/** One rule's settings: its fields (all optional in the config) and its defaults. */
export function settingsOf<S extends z.ZodRawShape>(z: Zod, shape: S, defaults: z.output<z.ZodObject<S>>) {
  const partial = z.strictObject(shape).partial();
  return { partial, full: partial.optional().transform((v) => ({ ...defaults, ...v }) as z.output<z.ZodObject<S>>), defaults };
}

/** `enabled`, `threshold` and `windowMinutes`. */
export const windowed = (z: Zod, threshold: number, windowMinutes: number) =>
  settingsOf(z, { enabled: enabled(z), threshold: count(z), windowMinutes: minutes(z) }, { enabled: true, threshold, windowMinutes });
/** `enabled` alone. */
export const single = (z: Zod) => settingsOf(z, { enabled: enabled(z) }, { enabled: true });

// ---- what an event is ---------------------------------------------------------------------

const SIGN_IN = new Set(['login', 'sso', 'mfa_verify']);
export const isPushDenial = (e: AuthEvent) => e.factor === 'push' && (e.outcome === 'denied' || (e.outcome === 'failure' && (e.category === 'mfa_verify' || e.category === 'mfa_challenge')));
/** A failed primary sign-in (password or federated), not a failed second factor. */
export const isSignInFailure = (e: AuthEvent) => e.outcome === 'failure' && (e.category === 'login' || e.category === 'sso');
export const isFailure = (e: AuthEvent) => e.outcome === 'failure' && !!e.category && SIGN_IN.has(e.category);
export const isSuccess = (e: AuthEvent) => e.outcome === 'success' && !!e.category && SIGN_IN.has(e.category);
export const isFactorChange = (e: AuthEvent) => (e.category === 'factor_enroll' || e.category === 'factor_remove' || e.category === 'factor_reset') && e.outcome === 'success';
export const isBypass = (e: AuthEvent) => e.category === 'mfa_bypass' && e.outcome === 'success';
export const isFraud = (e: AuthEvent) => e.outcome === 'fraud';
export const isLockout = (e: AuthEvent) => e.category === 'lockout' && e.outcome !== 'error';

/**
 * A sign-in authtrail knows went without MFA (`mfa_required_app`). `is_mfa` null never counts:
 * the vendor did not say, or (factor `external_idp`) the sign-in was federated and its MFA was
 * decided at the identity provider, which logs it in its own events; the AWS console's
 * `MFAUsed: No` for a SAML or Identity Center session is that case. An MFA verification is part
 * of a sign-in, never one without MFA.
 */
export const withoutMfa = (e: AuthEvent) => e.is_mfa === false && e.category !== 'mfa_verify';

export const userOf = (e: AuthEvent) => (e.user_email ?? e.user_login ?? e.user_id)?.toLowerCase() ?? null;

export const minutesMs = (m: number) => m * 60_000;

/** `user` of tenant-wide alerts and the state key of tenant-wide rules. */
export const TENANT_WIDE = '*';

// ---- the rule -----------------------------------------------------------------------------

/** What a rule's step sees: one new event of its key, the key's state, and the engine's helpers. */
export interface RuleContext {
  readonly event: AuthEvent;
  /** `source_id#event_uid`: the event's evidence id. */
  readonly uid: string;
  /** The event's time (ms). */
  readonly at: number;
  /** The event's user (lower case; `*` for an event naming none, which only `tenantWhenNoUser` rules see). */
  readonly user: string;
  /** The state key the rule runs on (`keyOf`: the user, `*`, `ip:<addr>`): also its alerts' `user`. */
  readonly key: string;
  /** The event as evidence: for a successful sign-in with its IP and factor. */
  readonly mine: Occurrence;
  /** The key's state (the engine's copy: the rule may update its own part of it). */
  readonly state: KeyState;
  /** For a successful sign-in: when the user's profile began before this event (null: it had none). */
  readonly learnedSince: number | null;
  /** Raises an alert of this rule for `evidence`, or updates its open one (suppression). */
  emit(severity: Severity, evidence: readonly Occurrence[], summary: string): void;
  /** The evidence of a signal between two times (inclusive). */
  within(signal: Signal, from: number, to: number): Occurrence[];
  /** The densest window of `minutes` of a signal's evidence that holds this event's time, or `around` (`byUser`: by distinct users). */
  window(signal: Signal, minutes: number, byUser?: boolean, around?: number): Occurrence[];
  /** Runs `fn` (an update worth no write of its own) only if this step changes the state anyway. */
  ifWritten(fn: () => void): void;
  /** Keeps this event as evidence under a signal (once), beyond what `records` keeps. */
  record(signal: Signal, extra?: Partial<Occurrence>): Occurrence;
}

type Schema = { partial: z.ZodType; full: z.ZodType };

export interface Rule<Id extends string = string, Sch extends Schema = Schema> {
  readonly id: Id;
  /** Which state key the rule runs on (`keyOf` in ../engine.ts): a user's, the tenant's, a source IP's, or none (`feed`: the feed-health schedule). */
  readonly scope: 'user' | 'tenant' | 'ip' | 'feed';
  /** Its settings' schemas and defaults, built with the zod it is handed (called once, when the config is first parsed). */
  readonly settings: (z: Zod) => Sch;
  /** Whether an event can matter to it (others are skipped without a state read). */
  readonly concerns?: (e: AuthEvent) => boolean;
  /** The signal under which the events that concern it are kept as evidence (`withUser`: with who; `when`: only those). */
  readonly records?: { readonly signal: Signal; readonly withUser?: boolean; readonly when?: (e: AuthEvent) => boolean };
  /**
   * For a `user` rule: an event it concerns that names no user (a policy change, a federation
   * trust) runs it on the tenant's key instead, and its alert's `user` is `*`.
   */
  readonly tenantWhenNoUser?: boolean;
  /** Whether its `windowMinutes` bounds how long evidence is kept (default true). */
  readonly windowKeepsEvidence?: boolean;
  /** Its step, for an event that concerns it (whether or not it is enabled: it may keep state). */
  readonly step?: (c: RuleContext, r: z.output<Sch['full']>) => void;
  /** For a successful sign-in: whether late evidence could still pair with it, so it must be kept. */
  readonly keepSuccess?: (c: RuleContext, r: z.output<Sch['full']>) => boolean;
}

export const defineRule = <Id extends string, Sch extends Schema>(r: Rule<Id, Sch>) => r;

/** Keeps this event under `signal` (once), for a rule that records only part of the events it concerns. */
export function keep(c: RuleContext, sig: Signal, withUser = false): void {
  const list = (c.state.occ[sig] ??= []);
  if (!list.some((x) => x.uid === c.uid)) list.push({ uid: c.uid, time: c.at, ...(withUser ? { user: c.user } : {}) });
}

/**
 * "A run, then a success": the success (this event, or, when this event is a late member of
 * the run, a recorded success up to a window after it) preceded within the window by at least
 * `threshold` run events: one alert, for the first such success.
 */
export function afterRun(
  c: RuleContext, run: Signal, r: { enabled: boolean; threshold: number; windowMinutes: number },
  onlyPush: boolean | ((success: Occurrence) => boolean), alert: (before: number) => [Severity, string],
): void {
  if (!r.enabled) return;
  const W = minutesMs(r.windowMinutes);
  const which = typeof onlyPush === 'function' ? onlyPush : (x: Occurrence) => !onlyPush || x.factor === 'push';
  const successes = (isSuccess(c.event) ? [c.mine] : c.within('success', c.at, c.at + W)).filter(which);
  for (const ok of successes) {
    const before = c.within(run, ok.time - W, ok.time).filter((x) => x.uid !== ok.uid);
    if (before.length < r.threshold) continue;
    const [severity, summary] = alert(before.length);
    c.emit(severity, [...before, ok], summary);
    return;
  }
}

/**
 * "Every occurrence": each event the rule concerns (an admin, policy or credential change, a
 * vendor's verdict) raises an alert of `severity` whose summary is `summary(event, actor)`; later
 * ones within the suppression window count in the open alert. The alert is the affected user's,
 * or the tenant's (`*`) when the event names none. Settings: `enabled`.
 */
export function occurrenceRule<Id extends string>(s: {
  readonly id: Id; readonly concerns: (e: AuthEvent) => boolean; readonly severity: Severity;
  readonly summary: (e: AuthEvent, actor: string | null) => string;
}) {
  return defineRule({
    id: s.id, scope: 'user', tenantWhenNoUser: true, settings: single, concerns: s.concerns, windowKeepsEvidence: false,
    step(c, r) {
      if (r.enabled) c.emit(s.severity, [{ uid: c.uid, time: c.at }], s.summary(c.event, c.event.actor_login ?? c.event.actor_id));
    },
  });
}

/** What `countRule` builds a rule from. */
export interface CountSpec<Id extends string> {
  readonly id: Id;
  /** `user`: per affected user; `tenant`: tenant-wide (the alert's `user` is `*`). */
  readonly scope: 'user' | 'tenant';
  /** The events counted. */
  readonly counts: (e: AuthEvent) => boolean;
  /** The signal they are kept under (one signal per kind of event: rules counting the same kind share it). */
  readonly signal: Signal;
  /** Count distinct users instead of events (a user locked five times is one). */
  readonly distinctUsers?: boolean;
  /** The documented defaults of `threshold` and `windowMinutes`. */
  readonly defaults: { readonly threshold: number; readonly windowMinutes: number };
  readonly severity: Severity;
  /** The alert's summary for `n` counted within the window. */
  readonly wording: (n: number, windowMinutes: number) => string;
  /**
   * A successful sign-in or verification after the run (the run's events within the window before
   * it, at least `threshold`) raises the run's alert to `severity` (or raises it so, if none is open).
   * `success` says which successes count (e.g. only with a second factor). Arrival order does not
   * matter: a success seen while a run is under way is kept for late events of the run.
   */
  readonly escalate?: {
    readonly success: (o: Occurrence) => boolean;
    readonly severity: Severity;
    readonly wording: (n: number, windowMinutes: number) => string;
  };
}

/**
 * "n events of one kind for this key in the window": at least `threshold` counted events (or
 * distinct users) within `windowMinutes` of the new one raise one alert (later ones update it:
 * suppression), with per-tenant `enabled` / `threshold` / `windowMinutes`. Optionally a success
 * after the run raises its severity (`escalate`).
 */
export function countRule<Id extends string>(s: CountSpec<Id>) {
  const withUser = !!s.distinctUsers;
  const count = (c: RuleContext, r: { enabled: boolean; threshold: number; windowMinutes: number }) => {
    const w = c.window(s.signal, r.windowMinutes, withUser);
    const n = withUser ? new Set(w.map((o) => o.user)).size : w.length;
    if (r.enabled && w.some((x) => x.uid === c.uid) && n >= r.threshold) c.emit(s.severity, w, s.wording(n, r.windowMinutes));
  };
  const esc = s.escalate;
  if (!esc) {
    return defineRule({
      id: s.id, scope: s.scope, settings: (z: Zod) => windowed(z, s.defaults.threshold, s.defaults.windowMinutes),
      concerns: s.counts, records: { signal: s.signal, ...(withUser ? { withUser } : {}) }, step: count,
    });
  }
  // Successes are a user's: a tenant-wide rule concerned with them would read the tenant's state on every sign-in.
  if (s.scope !== 'user') throw new Error(`${s.id}: escalate is for user-scoped rules`);
  // Successes concern it too, so the engine cannot record all it concerns: it keeps the counted ones itself.
  return defineRule({
    id: s.id, scope: s.scope, settings: (z: Zod) => windowed(z, s.defaults.threshold, s.defaults.windowMinutes),
    concerns: (e) => s.counts(e) || isSuccess(e),
    step(c, r) {
      const counted = s.counts(c.event);
      if (counted) keep(c, s.signal, withUser);
      // A success after the run (this one, or a kept one for a late event of the run) first: the
      // event then belongs to the escalated alert, and counting it again changes nothing.
      afterRun(c, s.signal, r, esc.success, (n) => [esc.severity, esc.wording(n, r.windowMinutes)]);
      if (counted) count(c, r);
    },
    keepSuccess: (c, r) => c.within(s.signal, c.at - minutesMs(r.windowMinutes), c.at).length > 0,
  });
}
// ---- schema version 2: admin, policy and vendor-verdict events -----------------------------

/** A change that took effect: not failed, denied or errored (some vendors log changes without a result). */
const tookEffect = (e: AuthEvent) => e.outcome !== 'failure' && e.outcome !== 'denied' && e.outcome !== 'error' && e.outcome !== 'fraud';
/**
 * A sign-on / MFA policy switched off, deleted, or (where the vendor's event shows it) changed to
 * drop its MFA requirement: the mappings write all three as `deactivate` or `delete`.
 */
export const isPolicyWeakened = (e: AuthEvent) => e.category === 'policy_change' && (e.change === 'deactivate' || e.change === 'delete') && tookEffect(e);
export const isRoleGrant = (e: AuthEvent) => e.category === 'role_change' && e.change === 'grant' && tookEffect(e);
/**
 * An API credential created: a token, key, client secret or certificate (`create`), or API access
 * granted to an integration by an admin (`grant` by an actor, no user affected: Okta API scopes or
 * an API service integration, Google domain-wide delegation). A user's own OAuth consent to an
 * app names the user and is not one.
 */
export const isCredentialCreated = (e: AuthEvent) => e.category === 'credential_change' && tookEffect(e)
  && (e.change === 'create' || (e.change === 'grant' && !!(e.actor_id ?? e.actor_login) && !userOf(e)));
/** An identity provider or federation trust added, changed or switched on (removing one is not a new trust). */
export const isIdpTrustChange = (e: AuthEvent) => e.category === 'idp_change' && tookEffect(e)
  && (e.change === null || e.change === 'create' || e.change === 'update' || e.change === 'activate' || e.change === 'grant');
/** A user's session assumed, or support access granted or extended (its end or revocation is not). */
export const isImpersonation = (e: AuthEvent) => e.category === 'impersonation' && tookEffect(e)
  && e.change !== 'deactivate' && e.change !== 'revoke' && e.change !== 'delete';

/** Vendor verdicts that mean "high risk" (lower case): levels, Google's warnings, breached-password and anomaly flags. */
const HIGH_RISK = new Set(['high', 'very_high', 'critical', 'severe', 'suspicious', 'government_backed_attack', 'leaked_password', 'hijacked', 'anomalous_push']);
/** Numeric risk scores (OneLogin, 0–100) above this are high. */
export const HIGH_RISK_SCORE = 50;
const NUMBER = /^\d+(\.\d+)?$/;
/**
 * The identity provider rated the event high risk (`risk_level`). Auth0's Adaptive MFA reports its
 * confidence in the sign-in instead, so there `low` confidence is the high risk.
 */
export function isHighRisk(e: AuthEvent): boolean {
  const r = e.risk_level?.toLowerCase();
  if (!r) return false;
  if (NUMBER.test(r)) return Number(r) > HIGH_RISK_SCORE;
  if (e.source === 'auth0' && r === 'low') return true;
  if (e.source === 'auth0' && r === 'high') return false;
  return HIGH_RISK.has(r);
}
/** A successful sign-in the vendor flagged as coming through a proxy, Tor exit or anonymizing VPN. */
export const isAnonymizedSignIn = (e: AuthEvent) => e.anonymizer === true && isSuccess(e);
