/**
 * The detection rules, in the order they are evaluated (an event's alerts come out in this
 * order). A new rule is its own folder beside these (`<rule>/index.ts`, its tests in `<rule>/<rule>.test.ts`) and one line here.
 */
import mfa_fatigue from './mfa_fatigue/index.ts';
import push_approved_after_denials from './push_approved_after_denials/index.ts';
import brute_force from './brute_force/index.ts';
import success_after_failures from './success_after_failures/index.ts';
import bypass_code from './bypass_code/index.ts';
import fraud_report from './fraud_report/index.ts';
import factor_change from './factor_change/index.ts';
import factor_change_new_ip from './factor_change_new_ip/index.ts';
import new_country from './new_country/index.ts';
import impossible_travel from './impossible_travel/index.ts';
import mfa_required_app from './mfa_required_app/index.ts';
import lockout_burst from './lockout_burst/index.ts';
import otp_brute_force from './otp_brute_force/index.ts';
import password_reset_burst from './password_reset_burst/index.ts';
import mfa_policy_weakened from './mfa_policy_weakened/index.ts';
import admin_role_granted from './admin_role_granted/index.ts';
import api_credential_created from './api_credential_created/index.ts';
import idp_trust_changed from './idp_trust_changed/index.ts';
import impersonation from './impersonation/index.ts';
import vendor_risk from './vendor_risk/index.ts';
import anonymizer_sign_in from './anonymizer_sign_in/index.ts';
import password_spray from './password_spray/index.ts';
import session_anomaly from './session_anomaly/index.ts';
import feed_silence from './feed_silence/index.ts';

export const RULES = [
  mfa_fatigue,
  push_approved_after_denials,
  brute_force,
  success_after_failures,
  bypass_code,
  fraud_report,
  factor_change,
  factor_change_new_ip,
  new_country,
  impossible_travel,
  mfa_required_app,
  lockout_burst,
  otp_brute_force,
  password_reset_burst,
  mfa_policy_weakened,
  admin_role_granted,
  api_credential_created,
  idp_trust_changed,
  impersonation,
  vendor_risk,
  anonymizer_sign_in,
  password_spray,
  session_anomaly,
  feed_silence,
] as const;
