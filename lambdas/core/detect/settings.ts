/**
 * `alerts` in authtrail.config.json: rule settings with documented defaults, overridable per
 * tenant (any field of any rule). Where the defaults come from is in the README ("Alerts"):
 * push-bombing advisories (Okta, Microsoft, Cisco Duo: a handful of denied or unanswered pushes
 * within minutes), NIST SP 800-63B §5.2.2 (limit failed attempts per account), and the common
 * impossible-travel and new-location heuristics of identity threat detection products.
 */
import * as z from 'zod';
import { built, lazy } from '../lazy.ts';

// Built on first use (lambdas/core/lazy.ts): the detector's cold start reads the settings, never these schemas.
const enabled = lazy(() => z.boolean());
const count = lazy(() => z.number().int().min(1).max(500));
const minutes = lazy(() => z.number().int().min(1).max(24 * 60));

/** One rule: its fields (all optional in the config) and its defaults. */
function rule<S extends z.ZodRawShape>(shape: S, defaults: z.output<z.ZodObject<S>>) {
  const partial = z.strictObject(shape).partial();
  return { partial, full: partial.optional().transform((v) => ({ ...defaults, ...v }) as z.output<z.ZodObject<S>>), defaults };
}

const windowed = (threshold: number, windowMinutes: number) =>
  rule({ enabled: built(enabled), threshold: built(count), windowMinutes: built(minutes) }, { enabled: true, threshold, windowMinutes });
const single = () => rule({ enabled: built(enabled) }, { enabled: true });

/** Each rule's schemas and defaults (exported for the test that holds RULE_NAMES to it). */
export const RULE_SCHEMAS = lazy(() => ({
  /** ≥ threshold denied or unanswered push prompts for one user within the window. */
  mfa_fatigue: windowed(3, 10),
  /** A push approved after ≥ threshold denied or unanswered ones within the window. */
  push_approved_after_denials: windowed(2, 15),
  /** ≥ threshold failed sign-ins or MFA verifications for one user within the window. */
  brute_force: windowed(10, 15),
  /** A successful sign-in after ≥ threshold failures within the window. */
  success_after_failures: windowed(5, 15),
  /** A bypass (recovery) code used: one is enough. */
  bypass_code: single(),
  /** A user reported a prompt or sign-in as fraud: one is enough. */
  fraud_report: single(),
  /** A factor enrolled, removed or reset (high when an admin did it for someone else). */
  factor_change: single(),
  /** A factor change followed within the window by a sign-in from an IP the user never used before it. */
  factor_change_new_ip: rule({ enabled: built(enabled), windowMinutes: built(minutes) }, { enabled: true, windowMinutes: 60 }),
  /** A sign-in from a country never seen for the user, once the user has `learningDays` of history. */
  new_country: rule({ enabled: built(enabled), learningDays: z.number().int().min(0).max(365) }, { enabled: true, learningDays: 14 }),
  /** Consecutive geolocated sign-ins (within the window) further apart than a plane could fly. */
  impossible_travel: rule(
    { enabled: built(enabled), speedKmh: z.number().min(1).max(100_000), minDistanceKm: z.number().min(0).max(20_040), windowMinutes: built(minutes) },
    { enabled: true, speedKmh: 1000, minDistanceKm: 500, windowMinutes: 24 * 60 },
  ),
  /** A successful sign-in without MFA to one of `apps` (app ids or names, case-insensitive). */
  mfa_required_app: rule({ enabled: built(enabled), apps: z.array(z.string().min(1)) }, { enabled: true, apps: [] as string[] }),
  /** ≥ threshold distinct users locked out across a tenant within the window (password spraying). */
  lockout_burst: windowed(5, 15),
  /** A source that delivered events is silent for longer than `gapMinutes` (per source in `sources`). */
  feed_silence: rule(
    { enabled: built(enabled), gapMinutes: z.number().int().min(5).max(7 * 24 * 60), sources: z.record(z.string(), z.number().int().min(5).max(7 * 24 * 60)) },
    { enabled: true, gapMinutes: 60, sources: {} as Record<string, number> },
  ),
}));

export type RuleName = keyof typeof RULE_SCHEMAS;
/** The rules, in the order of RULE_SCHEMAS (spelled out so that reading them builds no schema; a unit test holds the two equal). */
export const RULE_NAMES: RuleName[] = [
  'mfa_fatigue', 'push_approved_after_denials', 'brute_force', 'success_after_failures', 'bypass_code', 'fraud_report',
  'factor_change', 'factor_change_new_ip', 'new_country', 'impossible_travel', 'mfa_required_app', 'lockout_burst', 'feed_silence',
];
type Full<K extends RuleName> = z.output<(typeof RULE_SCHEMAS)[K]['full']>;
export type RuleSettings = { [K in RuleName]: Full<K> };

const shapeOf = <V>(pick: (r: (typeof RULE_SCHEMAS)[RuleName]) => V) =>
  Object.fromEntries(RULE_NAMES.map((n) => [n, pick(RULE_SCHEMAS[n])])) as { [K in RuleName]: V };

export const RuleSettings = lazy(() => z.strictObject(shapeOf((r) => r.full)).transform((v) => v as RuleSettings));
const RuleOverrides = lazy(() => z.strictObject(shapeOf((r) => r.partial.optional())).transform((v) => v as { [K in RuleName]?: Partial<RuleSettings[K]> }));

export const AlertsConfig = lazy(() => z.strictObject({
  /** One alert per rule, tenant and user per window; later matches update its count. */
  suppressionMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
  /** How long a user's sign-in profile (countries, IPs, places) is kept after their last sign-in. */
  profileDays: z.number().int().min(1).max(3 * 365).default(90),
  rules: built(RuleSettings).default(built(RuleSettings).parse({})),
  /** Per-tenant overrides of any rule setting. */
  tenants: z.record(z.string(), z.strictObject({ rules: built(RuleOverrides).optional() })).default({}),
}));
export type AlertsConfig = z.infer<typeof AlertsConfig>;

/** A tenant's effective settings for one rule. */
export function ruleSettings<K extends RuleName>(cfg: AlertsConfig, tenant: string, name: K): RuleSettings[K] {
  const o = cfg.tenants[tenant]?.rules?.[name];
  return o ? { ...cfg.rules[name], ...o } : cfg.rules[name];
}
