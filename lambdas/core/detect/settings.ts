/**
 * `alerts` in authtrail.config.json: rule thresholds with documented defaults, overridable per
 * tenant. Defaults follow common guidance for MFA-fatigue and credential attacks (e.g. Okta's and
 * Microsoft's push-bombing advisories: a handful of denied or unanswered pushes within minutes;
 * NIST SP 800-63B §5.2.2 rate limiting: a burst of failures from one account).
 */
import { z } from 'zod';

const Window = (threshold: number, windowMinutes: number) =>
  z.strictObject({
    enabled: z.boolean().default(true),
    threshold: z.number().int().min(1).default(threshold),
    windowMinutes: z.number().int().min(1).max(24 * 60).default(windowMinutes),
  }).default({ enabled: true, threshold, windowMinutes });

export const RuleSettings = z.strictObject({
  /** Denied or unanswered push prompts for one user. */
  mfa_fatigue: Window(3, 10),
  /** Failed sign-ins or MFA verifications for one user. */
  brute_force: Window(10, 15),
  /** A push approved after denials within the window: likely the attacker got through. */
  push_approved_after_denials: Window(1, 15),
  /** A factor enrolled, removed or reset (higher severity when an admin did it for someone else). */
  factor_change: Window(1, 1),
  /** Bypass (recovery) code used: one is enough. */
  bypass_code: Window(1, 1),
  /** A user reported a prompt or sign-in as fraud: one is enough. */
  fraud_report: Window(1, 1),
});
export type RuleSettings = z.infer<typeof RuleSettings>;

export const AlertsConfig = z.strictObject({
  /** One alert per rule, tenant and user per window; later matches update its count. */
  suppressionMinutes: z.number().int().min(1).max(7 * 24 * 60).default(60),
  rules: RuleSettings.default(RuleSettings.parse({})),
  /** Per-tenant overrides of any rule setting. */
  tenants: z.record(z.string(), z.strictObject({
    rules: z.record(z.string(), z.strictObject({ enabled: z.boolean().optional(), threshold: z.number().int().min(1).optional(), windowMinutes: z.number().int().min(1).optional() })).optional(),
  })).default({}),
});
export type AlertsConfig = z.infer<typeof AlertsConfig>;
export type RuleName = keyof RuleSettings;

/** A tenant's effective settings for one rule. */
export function ruleSettings(cfg: AlertsConfig, tenant: string, rule: RuleName): RuleSettings[RuleName] {
  return { ...cfg.rules[rule], ...(cfg.tenants[tenant]?.rules?.[rule] ?? {}) };
}
