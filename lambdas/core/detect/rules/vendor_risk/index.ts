/**
 * The identity provider itself rated a sign-in (or the request behind it) high risk: Okta risk
 * HIGH or a ThreatInsight detection, Entra ID Protection `high`, a Google suspicious-login or
 * leaked-password warning, Auth0 Adaptive MFA's low confidence or a breached password, a OneLogin
 * risk score above 50, Duo's anomalous push. Every occurrence, high: the vendor has already
 * weighed the evidence.
 */
import { isHighRisk, occurrenceRule } from '../kit.ts';

export default occurrenceRule({
  id: 'vendor_risk',
  concerns: isHighRisk,
  severity: 'high',
  summary(e) {
    const from = e.src_ip ? ` from ${e.src_ip}` : '';
    return `${e.source} rated a ${e.outcome === 'success' ? 'successful' : e.outcome ?? ''} sign-in${from} high risk (${e.risk_level}${e.raw_event_type ? `, ${e.raw_event_type}` : ''})`.replace('  ', ' ');
  },
});
