/**
 * What a detection rule is made of (`rules/<rule>/index.ts`): its id, its settings (schema and
 * documented defaults, built on first use), which events concern it, the evidence it records, and
 * its step over the shared context the engine gives it. The engine (`../engine.ts`) keeps the
 * windows, suppression, evidence caps and state bounding; the registry (`./index.ts`) lists the
 * rules in the order they are evaluated.
 */
import * as z from 'zod';
import type { AuthEvent } from '../../event.ts';
import { built, lazy } from '../../lazy.ts';
import type { KeyState, Occurrence, Severity, Signal } from '../engine.ts';

// ---- settings schemas ---------------------------------------------------------------------

// Built on first use (lambdas/core/lazy.ts): the detector's cold start reads the settings, never these schemas.
export const enabled = lazy(() => z.boolean());
const count = lazy(() => z.number().int().min(1).max(500));
export const minutes = lazy(() => z.number().int().min(1).max(24 * 60));

/** One rule's settings: its fields (all optional in the config) and its defaults. */
export function settingsOf<S extends z.ZodRawShape>(shape: S, defaults: z.output<z.ZodObject<S>>) {
  const partial = z.strictObject(shape).partial();
  return { partial, full: partial.optional().transform((v) => ({ ...defaults, ...v }) as z.output<z.ZodObject<S>>), defaults };
}

/** `enabled`, `threshold` and `windowMinutes`. */
export const windowed = (threshold: number, windowMinutes: number) =>
  settingsOf({ enabled: built(enabled), threshold: built(count), windowMinutes: built(minutes) }, { enabled: true, threshold, windowMinutes });
/** `enabled` alone. */
export const single = () => settingsOf({ enabled: built(enabled) }, { enabled: true });

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
  /** The event's user (lower case; '' for an event without one, which only `withoutUser` rules see). */
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
  /** Its settings' schemas and defaults (called once, when the config is first parsed). */
  readonly settings: () => Sch;
  /** Whether an event can matter to it (others are skipped without a state read). */
  readonly concerns?: (e: AuthEvent) => boolean;
  /** The signal under which the events that concern it are kept as evidence (`withUser`: with who; `when`: only those). */
  readonly records?: { readonly signal: Signal; readonly withUser?: boolean; readonly when?: (e: AuthEvent) => boolean };
  /** Whether events without a user concern it too (their `user` is then ''); default false. */
  readonly withoutUser?: boolean;
  /** Whether its `windowMinutes` bounds how long evidence is kept (default true). */
  readonly windowKeepsEvidence?: boolean;
  /** Its step, for an event that concerns it (whether or not it is enabled: it may keep state). */
  readonly step?: (c: RuleContext, r: z.output<Sch['full']>) => void;
  /** For a successful sign-in: whether late evidence could still pair with it, so it must be kept. */
  readonly keepSuccess?: (c: RuleContext, r: z.output<Sch['full']>) => boolean;
}

export const defineRule = <Id extends string, Sch extends Schema>(r: Rule<Id, Sch>) => r;

/**
 * "A run, then a success": the success (this event, or, when this event is a late member of
 * the run, a recorded success up to a window after it) preceded within the window by at least
 * `threshold` run events: one alert, for the first such success.
 */
export function afterRun(
  c: RuleContext, run: Signal, r: { enabled: boolean; threshold: number; windowMinutes: number },
  onlyPush: boolean, alert: (before: number) => [Severity, string],
): void {
  if (!r.enabled) return;
  const W = minutesMs(r.windowMinutes);
  const successes = (isSuccess(c.event) ? [c.mine] : c.within('success', c.at, c.at + W)).filter((x) => !onlyPush || x.factor === 'push');
  for (const ok of successes) {
    const before = c.within(run, ok.time - W, ok.time).filter((x) => x.uid !== ok.uid);
    if (before.length < r.threshold) continue;
    const [severity, summary] = alert(before.length);
    c.emit(severity, [...before, ok], summary);
    return;
  }
}
