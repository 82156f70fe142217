/**
 * The identity provider itself rated a sign-in (or the request behind it) high risk: Okta risk
 * HIGH or a ThreatInsight detection, Entra ID Protection `high`, a Google suspicious-login or
 * leaked-password warning, Auth0 Adaptive MFA's low confidence or a breached password, a OneLogin
 * risk score above 50, Duo's anomalous push. Every occurrence, high: the vendor has already
 * weighed the evidence.
 */
import { defineRule, isHighRisk, single } from '../kit.ts';

export default defineRule({
  id: 'vendor_risk',
  scope: 'user',
  tenantWhenNoUser: true,
  settings: single,
  concerns: isHighRisk,
  windowKeepsEvidence: false,
  step(c, r) {
    if (!r.enabled) return;
    const e = c.event;
    const from = e.src_ip ? ` from ${e.src_ip}` : '';
    c.emit('high', [{ uid: c.uid, time: c.at }], `${e.source} rated a ${e.outcome === 'success' ? 'successful' : e.outcome ?? ''} sign-in${from} high risk (${e.risk_level}${e.raw_event_type ? `, ${e.raw_event_type}` : ''})`.replace('  ', ' '));
  },
});
