/**
 * A detection rule's scenario (`lambdas/core/detect/rules/<rule>/scenario.ts`): the attack as the
 * vendor sends it, the closest sequence that must stay silent, and the one alert the attack
 * raises. The end-to-end test posts every rule's scenario through the local collector
 * (`authtrail dev`, as `npm start` runs it), and `bench/detect.ts` injects the attacks, normalized,
 * into its synthetic day. A rule without a scenario file is named by the test.
 */
import type { Severity } from '../../lambdas/core/detect/engine.ts';
import type { RuleName } from '../../lambdas/core/detect/settings.ts';
import type { SourceKind } from '../../lambdas/core/event.ts';

export interface RuleScenario {
  /** The rule it proves. */
  readonly rule: RuleName;
  /** The source kind whose vendor-shaped events it posts (`POST /v1/ingest/<source id>`, a JSON array of the vendor's events). */
  readonly kind: SourceKind;
  /** The rule's settings for the scenario's tenant, only where the defaults cannot fire (e.g. `mfa_required_app`'s `apps`). */
  readonly settings?: Record<string, unknown>;
  /** The attack, as the vendor sends it, starting at `t0` (ms since the epoch), in posting order. */
  attack(t0: number): readonly unknown[];
  /** The closest sequence that must stay silent (one event short, outside the window, another user …), starting at `t0`. */
  nearMiss(t0: number): readonly unknown[];
  /** The one alert the attack raises. */
  readonly expect: { readonly user: string; readonly severity: Severity };
}

export const defineScenario = (s: RuleScenario) => s;
