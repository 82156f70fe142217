/**
 * ≥ threshold failed one-time-code verifications (TOTP, SMS, voice, e-mail codes, hardware
 * tokens: second factors that can be guessed) for one user within the window; a successful
 * sign-in or verification with a second factor after them raises the alert to high (the
 * guessing, or the password behind it, may have worked). Push denials are `mfa_fatigue`'s.
 */
import type { AuthEvent, Factor } from '../../../event.ts';
import type { Occurrence } from '../../engine.ts';
import { countRule } from '../kit.ts';

const CODES = new Set<Factor>(['totp', 'sms', 'voice', 'email', 'hardware_token']);
/** A failed verification of a one-time code. */
export const isOtpFailure = (e: AuthEvent) => e.category === 'mfa_verify' && e.outcome === 'failure' && !!e.factor && CODES.has(e.factor);
/** Not a second factor: a password, a federated sign-in (its MFA is the IdP's), a remembered device. */
const NOT_SECOND = new Set(['password', 'external_idp', 'remembered_device']);
const withSecondFactor = (o: Occurrence) => !!o.factor && !NOT_SECOND.has(o.factor);

export default countRule({
  id: 'otp_brute_force',
  scope: 'user',
  counts: isOtpFailure,
  signal: 'otp_failure',
  defaults: { threshold: 10, windowMinutes: 10 },
  severity: 'medium',
  wording: (n, m) => `${n} failed one-time-code verifications (TOTP, SMS, voice, e-mail, token) within ${m} min`,
  escalate: {
    success: withSecondFactor,
    severity: 'high',
    wording: (n, m) => `a sign-in with a second factor after ${n} failed one-time-code verifications within ${m} min: the guessing may have worked`,
  },
});
