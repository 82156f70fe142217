/**
 * Google Workspace admin-side events of the Reports API: the `admin` application (Admin console
 * and Directory API changes: delegated admin roles, super admin grants, user settings, security
 * settings such as 2-step verification enforcement, domain settings such as SSO and API client
 * access) and the `token` application (OAuth grants a user gives a third-party app). Each table
 * row says what the event becomes; the affected user is the `USER_EMAIL` parameter, the admin the
 * activity's actor.
 *
 * @see https://developers.google.com/workspace/admin/reports/v1/appendix/activity/admin-delegated-admin-settings
 * @see https://developers.google.com/workspace/admin/reports/v1/appendix/activity/admin-user-settings
 * @see https://developers.google.com/workspace/admin/reports/v1/appendix/activity/admin-security-settings
 * @see https://developers.google.com/workspace/admin/reports/v1/appendix/activity/admin-domain-settings
 * @see https://developers.google.com/workspace/admin/reports/v1/appendix/activity/token
 * @example {"type":"DELEGATED_ADMIN_SETTINGS","name":"ASSIGN_ROLE","parameters":[{"name":"ROLE_NAME","value":"_HELP_DESK_ADMIN_ROLE"},{"name":"USER_EMAIL","value":"dana@example.com"}]}
 */
import type { Category, Change, Factor, Outcome } from '../../core/event.ts';
import { table } from '../../core/fields.ts';

export interface GoogleRow {
  category: Category;
  outcome?: Outcome;
  change?: Change;
  factor?: Factor;
  /** `target_type`; the target's id and name come from the parameters named below. */
  target?: string;
  targetId?: string;
  targetName?: string;
  /** `target_name` when the event names none (a setting of the admin console has no name parameter). */
  label?: string;
  /** Whether `NEW_VALUE` `true`/`false` decides `change` (`activate`/`deactivate`): a setting switched on or off. */
  toggle?: boolean;
}

const role = (change: Change): GoogleRow => ({ category: 'role_change', change, target: 'role', targetId: 'ROLE_ID', targetName: 'ROLE_NAME' });
const mfaPolicy = (label: string, toggle = false): GoogleRow => ({ category: 'policy_change', change: 'update', target: 'policy', targetId: 'ORG_UNIT_NAME', targetName: 'SETTING_NAME', label, toggle });
const userFactor = (category: Category, change: Change, factor?: Factor): GoogleRow => ({ category, change, ...(factor ? { factor } : {}), target: 'user', targetName: 'USER_EMAIL' });
const userAdmin = (change: Change): GoogleRow => ({ category: 'admin', change, target: 'user', targetName: 'USER_EMAIL' });
const oauthApp = (change: Change): GoogleRow => ({ category: 'policy_change', change, target: 'app', targetId: 'OAUTH2_APP_ID', targetName: 'OAUTH2_APP_NAME' });

/** `admin` application events. An event of the admin application not listed is an `admin` action. */
export const ADMIN_EVENTS = table<GoogleRow>({
  // Delegated admin settings: roles and who holds them.
  ASSIGN_ROLE: role('grant'),
  UNASSIGN_ROLE: role('revoke'),
  CREATE_ROLE: role('create'),
  DELETE_ROLE: role('delete'),
  UPDATE_ROLE: role('update'),
  RENAME_ROLE: role('update'),
  ADD_PRIVILEGE: role('update'),
  REMOVE_PRIVILEGE: role('update'),
  // User settings.
  // The user-level admin switch (Directory API `users.makeAdmin`): super admin, named by no parameter.
  GRANT_ADMIN_PRIVILEGE: { category: 'role_change', change: 'grant', target: 'role', label: 'Super Admin' },
  REVOKE_ADMIN_PRIVILEGE: { category: 'role_change', change: 'revoke', target: 'role', label: 'Super Admin' },
  GRANT_DELEGATED_ADMIN_PRIVILEGES: { category: 'role_change', change: 'grant', target: 'role', targetName: 'NEW_VALUE' },
  CHANGE_PASSWORD: userFactor('password_reset', 'update', 'password'),
  CHANGE_PASSWORD_ON_NEXT_LOGIN: userFactor('password_reset', 'update', 'password'),
  TURN_OFF_2_STEP_VERIFICATION: userFactor('factor_remove', 'deactivate'),
  USER_ENROLLED_IN_TWO_STEP_VERIFICATION: userFactor('factor_enroll', 'activate'),
  UNENROLL_USER_FROM_STRONG_AUTH: userFactor('factor_remove', 'deactivate'),
  UNENROLL_USER_FROM_TITANIUM: userFactor('factor_remove', 'deactivate'),
  GENERATE_2SV_SCRATCH_CODES: userFactor('factor_enroll', 'create', 'bypass_code'),
  DELETE_2SV_SCRATCH_CODES: userFactor('factor_remove', 'delete', 'bypass_code'),
  SECURITY_KEY_REGISTERED_FOR_USER: userFactor('factor_enroll', 'create', 'webauthn'),
  REVOKE_SECURITY_KEY: userFactor('factor_remove', 'revoke', 'webauthn'),
  PASSKEY_REVOKED: userFactor('factor_remove', 'revoke', 'webauthn'),
  USER_CREATED_PASSKEY_REVOKE: userFactor('factor_remove', 'revoke', 'webauthn'),
  ADD_RECOVERY_EMAIL: userFactor('factor_enroll', 'create', 'email'),
  CHANGE_RECOVERY_EMAIL: userFactor('factor_enroll', 'update', 'email'),
  REMOVE_RECOVERY_EMAIL: userFactor('factor_remove', 'delete', 'email'),
  ADD_RECOVERY_PHONE: userFactor('factor_enroll', 'create', 'sms'),
  CHANGE_RECOVERY_PHONE: userFactor('factor_enroll', 'update', 'sms'),
  REMOVE_RECOVERY_PHONE: userFactor('factor_remove', 'delete', 'sms'),
  // A user in a 2SV grace period signs in without 2SV until the date given: their MFA requirement is off.
  USER_PUT_IN_TWO_STEP_VERIFICATION_GRACE_PERIOD: { category: 'policy_change', change: 'deactivate', target: 'user', targetName: 'USER_EMAIL' },
  UNBLOCK_USER_SESSION: userFactor('unlock', 'activate'),
  REVOKE_3LO_TOKEN: { category: 'credential_change', change: 'revoke', target: 'token', targetId: 'APP_ID' },
  REVOKE_3LO_DEVICE_TOKENS: { category: 'credential_change', change: 'revoke', target: 'token', targetId: 'DEVICE_ID' },
  REVOKE_ASP: { category: 'credential_change', change: 'revoke', target: 'token', targetId: 'ASP_ID' },
  CREATE_USER: userAdmin('create'),
  DELETE_USER: userAdmin('delete'),
  SUSPEND_USER: userAdmin('deactivate'),
  UNSUSPEND_USER: userAdmin('activate'),
  RESET_SIGNIN_COOKIES: userAdmin('revoke'),
  // Security settings: 2-step verification, password recovery, sessions, third-party app access.
  ENFORCE_STRONG_AUTHENTICATION: mfaPolicy('2-step verification enforcement', true),
  ALLOW_STRONG_AUTHENTICATION: mfaPolicy('2-step verification allowed', true),
  CHANGE_ALLOWED_TWO_STEP_VERIFICATION_METHODS: mfaPolicy('2-step verification methods'),
  CHANGE_TWO_STEP_VERIFICATION_ENROLLMENT_PERIOD_DURATION: mfaPolicy('2-step verification enrollment period'),
  CHANGE_TWO_STEP_VERIFICATION_FREQUENCY: mfaPolicy('2-step verification frequency'),
  CHANGE_TWO_STEP_VERIFICATION_GRACE_PERIOD_DURATION: mfaPolicy('2-step verification grace period'),
  CHANGE_TWO_STEP_VERIFICATION_START_DATE: mfaPolicy('2-step verification start date'),
  WEAK_PROGRAMMATIC_LOGIN_SETTINGS_CHANGED: mfaPolicy('less secure apps'),
  ENABLE_NON_ADMIN_USER_PASSWORD_RECOVERY: mfaPolicy('user password recovery'),
  SESSION_CONTROL_SETTINGS_CHANGE: { ...mfaPolicy('session control'), targetName: 'REAUTH_APPLICATION' },
  CHANGE_SESSION_LENGTH: mfaPolicy('session length'),
  TOGGLE_CAA_ENABLEMENT: mfaPolicy('context-aware access'),
  ADD_TO_TRUSTED_OAUTH2_APPS: oauthApp('grant'),
  REMOVE_FROM_TRUSTED_OAUTH2_APPS: oauthApp('revoke'),
  ADD_TO_BLOCKED_OAUTH2_APPS: oauthApp('revoke'),
  REMOVE_FROM_BLOCKED_OAUTH2_APPS: oauthApp('update'),
  BLOCK_ALL_THIRD_PARTY_API_ACCESS: mfaPolicy('third-party API access'),
  UNBLOCK_ALL_THIRD_PARTY_API_ACCESS: mfaPolicy('third-party API access'),
  SIGN_IN_ONLY_THIRD_PARTY_API_ACCESS: mfaPolicy('third-party API access'),
  // Domain settings: password policy, SSO (federation), API clients with domain-wide delegation.
  CHANGE_PASSWORD_MIN_LENGTH: { category: 'policy_change', change: 'update', target: 'policy', targetId: 'DOMAIN_NAME', label: 'password minimum length' },
  CHANGE_PASSWORD_MAX_LENGTH: { category: 'policy_change', change: 'update', target: 'policy', targetId: 'DOMAIN_NAME', label: 'password maximum length' },
  TOGGLE_ALLOW_ADMIN_PASSWORD_RESET: { category: 'policy_change', change: 'update', target: 'policy', targetId: 'DOMAIN_NAME', label: 'admin password reset', toggle: true },
  CHANGE_SSO_SETTINGS: { category: 'idp_change', change: 'update', target: 'idp', targetId: 'DOMAIN_NAME' },
  TOGGLE_SSO_ENABLED: { category: 'idp_change', change: 'update', target: 'idp', targetId: 'DOMAIN_NAME', toggle: true },
  TOGGLE_OPEN_ID_ENABLED: { category: 'idp_change', change: 'update', target: 'idp', targetId: 'DOMAIN_NAME', toggle: true },
  AUTHORIZE_API_CLIENT_ACCESS: { category: 'credential_change', change: 'grant', target: 'app', targetName: 'API_CLIENT_NAME' },
  REMOVE_API_CLIENT_ACCESS: { category: 'credential_change', change: 'revoke', target: 'app', targetName: 'API_CLIENT_NAME' },
  REGENERATE_OAUTH_CONSUMER_SECRET: { category: 'credential_change', change: 'create', target: 'token', targetId: 'DOMAIN_NAME' },
  UPLOAD_OAUTH_CERTIFICATE: { category: 'credential_change', change: 'create', target: 'token', targetId: 'DOMAIN_NAME' },
});

/** Any other admin event naming SSO or SAML changes the identity provider trust. */
export const SSO_EVENT = /(^|_)(SSO|SAML)(_|$)/;
export const ADMIN_DEFAULT: GoogleRow = { category: 'admin' };

/** `token` application events: a user gives (or takes back) a third-party app OAuth access to their account. */
export const TOKEN_EVENTS = table<GoogleRow>({
  authorize: { category: 'credential_change', change: 'grant', target: 'app', targetId: 'client_id', targetName: 'app_name' },
  revoke: { category: 'credential_change', change: 'revoke', target: 'app', targetId: 'client_id', targetName: 'app_name' },
});
