/**
 * `alerts` in authtrail.config.json: rule settings with documented defaults, overridable per
 * tenant (any field of any rule). Where the defaults come from is in the README ("Alerts"):
 * push-bombing advisories (Okta, Microsoft, Cisco Duo: a handful of denied or unanswered pushes
 * within minutes), NIST SP 800-63B §5.2.2 (limit failed attempts per account), and the common
 * impossible-travel and new-location heuristics of identity threat detection products.
 */
import * as z from 'zod';
import { built, lazy } from '../lazy.ts';
import { RULES } from './rules/index.ts';
import type { Zod } from './rules/kit.ts';

type Rules = (typeof RULES)[number];
type Schemas = { [R in Rules as R['id']]: ReturnType<R['settings']> };

/**
 * Each rule's schemas and defaults, from its folder in `rules/` (built on first use,
 * lambdas/core/lazy.ts: the detector's cold start reads the settings, never these schemas).
 */
/** What each rule builds its schemas with (rules/kit.ts `Zod`). */
export const ZOD: Zod = { boolean: z.boolean, number: z.number, string: z.string, array: z.array, record: z.record, strictObject: z.strictObject };

export const RULE_SCHEMAS = lazy(() => Object.fromEntries(RULES.map((r) => [r.id, r.settings(ZOD)])) as Schemas);

export type RuleName = Rules['id'];
/** The rules, in the registry's order (reading them builds no schema). */
export const RULE_NAMES: RuleName[] = RULES.map((r) => r.id);
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

export { ruleSettings } from './rule-settings.ts';
