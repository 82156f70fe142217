/**
 * The detection rules' registry (lambdas/core/detect/rules/index.ts): every shipped rule of
 * CONTRACT §6 once, in the order they run, each with the settings defaults it always had.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RULES } from '../../lambdas/core/detect/rules/index.ts';
import { AlertsConfig, RULE_NAMES, ZOD } from '../../lambdas/core/detect/settings.ts';
import { TOP_ROLES } from '../../lambdas/core/detect/rules/admin_role_granted/index.ts';

const SHIPPED = [
  'mfa_fatigue', 'push_approved_after_denials', 'brute_force', 'success_after_failures', 'bypass_code', 'fraud_report',
  'factor_change', 'factor_change_new_ip', 'new_country', 'impossible_travel', 'mfa_required_app', 'lockout_burst',
  'mfa_policy_weakened', 'admin_role_granted', 'api_credential_created', 'idp_trust_changed', 'impersonation', 'vendor_risk',
  'anonymizer_sign_in', 'password_spray', 'session_anomaly',
  'feed_silence',
];

/** The defaults as they were when the rules lived in settings.ts. */
const DEFAULTS: Record<string, object> = {
  mfa_fatigue: { enabled: true, threshold: 3, windowMinutes: 10 },
  push_approved_after_denials: { enabled: true, threshold: 2, windowMinutes: 15 },
  brute_force: { enabled: true, threshold: 10, windowMinutes: 15 },
  success_after_failures: { enabled: true, threshold: 5, windowMinutes: 15 },
  bypass_code: { enabled: true },
  fraud_report: { enabled: true },
  factor_change: { enabled: true },
  factor_change_new_ip: { enabled: true, windowMinutes: 60 },
  new_country: { enabled: true, learningDays: 14 },
  impossible_travel: { enabled: true, speedKmh: 1000, minDistanceKm: 500, windowMinutes: 24 * 60 },
  mfa_required_app: { enabled: true, apps: [] },
  lockout_burst: { enabled: true, threshold: 5, windowMinutes: 15 },
  mfa_policy_weakened: { enabled: true },
  admin_role_granted: { enabled: true, topRoles: TOP_ROLES },
  api_credential_created: { enabled: true },
  idp_trust_changed: { enabled: true },
  impersonation: { enabled: true },
  vendor_risk: { enabled: true },
  anonymizer_sign_in: { enabled: true, windowMinutes: 360 },
  password_spray: { enabled: true, threshold: 10, minFailures: 15, maxPerUser: 8, windowMinutes: 60 },
  session_anomaly: { enabled: true, windowMinutes: 60, userAgent: true },
  feed_silence: { enabled: true, gapMinutes: 60, sources: {} },
};

describe('detection rules registry', () => {
  it('lists each shipped rule once, in evaluation order', () => {
    const ids: string[] = RULES.map((r) => r.id);
    // Rules added since run after the shipped ones and before feed_silence (each tested in its folder).
    assert.deepEqual(ids.filter((id) => SHIPPED.includes(id)), SHIPPED);
    assert.equal(ids.at(-1), 'feed_silence');
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(RULE_NAMES, ids);
  });

  it('keeps every rule\'s settings defaults, in the rule and in the parsed config', () => {
    const parsed = AlertsConfig.parse({});
    for (const r of RULES.filter((x) => x.id in DEFAULTS)) {
      assert.deepEqual((r.settings(ZOD) as { defaults: unknown }).defaults, DEFAULTS[r.id], r.id);
      assert.deepEqual(parsed.rules[r.id], DEFAULTS[r.id], r.id);
    }
  });

  it('gives every event rule a step and a scope, and the feed rule none', () => {
    for (const r of RULES) {
      if (r.id === 'feed_silence') { assert.equal(r.scope, 'feed'); assert.equal('step' in r, false); continue; }
      assert.equal(typeof (r as { step?: unknown }).step, 'function', r.id);
      assert.equal(typeof (r as { concerns?: unknown }).concerns, 'function', r.id);
      assert.equal(r.scope, ({ lockout_burst: 'tenant', password_reset_burst: 'tenant', password_spray: 'ip' } as Record<string, string>)[r.id] ?? 'user', r.id);
    }
  });
});
