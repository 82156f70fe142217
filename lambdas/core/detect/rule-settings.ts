/**
 * A tenant's effective settings for one rule, from the parsed `alerts` config: what the detector
 * reads at run time. Apart from ./settings.ts (the config's zod schemas), so that the detector,
 * whose config is parsed at synth, never loads zod.
 */
import type { AlertsConfig, RuleName, RuleSettings } from './settings.ts';

export function ruleSettings<K extends RuleName>(cfg: AlertsConfig, tenant: string, name: K): RuleSettings[K] {
  const o = cfg.tenants[tenant]?.rules?.[name];
  return o ? { ...cfg.rules[name], ...o } : cfg.rules[name];
}
