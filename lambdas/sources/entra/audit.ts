/**
 * Entra directory audits → AuthEvent: the Graph `directoryAudit` resource and the `properties` of
 * diagnostic-settings `AuditLogs` records. Activities are matched by their exact display name
 * (case, dashes and a trailing dot aside) from Microsoft's activity reference, so "Read BitLocker
 * key" is never a lockout and "Add unverified domain" never a federation change.
 *
 * - `policy_change`: Conditional Access policies and named locations, security defaults, the
 *   authentication methods and strength policies, password and risk policies, PIM role settings,
 *   per-user MFA switched on or off ("Enable/Disable Strong Authentication", target the user).
 * - `role_change`: directory role grants and revokes, direct or PIM (only *completed* PIM
 *   operations: a request is not a grant), and app role assignments to service principals.
 * - `credential_change`: service principal / application secrets and certificates, app passwords.
 * - `idp_change`: domain federation and authentication type, cross-tenant access (inbound trust of a
 *   partner tenant's MFA and device claims), certificate authorities for certificate-based auth,
 *   B2C identity providers. Adding or verifying a domain is not a trust change.
 * - `password_reset`: resets and changes by admins and by the user (self-service).
 * For admin, policy, role, credential and IdP changes `actor_*` is always whoever initiated the
 * change (`initiatedBy.user`, else `initiatedBy.app`); `user_*` is the affected user or null.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/directoryaudit
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-audit-activities
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-azure-monitor-audit-log-schema
 * @example {"id":"Directory_…","activityDateTime":"2026-11-20T11:00:00Z","activityDisplayName":"Add member to role",
 *   "category":"RoleManagement","result":"success","initiatedBy":{"user":{"id":"…","userPrincipalName":"admin@example.com"}},
 *   "targetResources":[{"id":"…","type":"User","userPrincipalName":"jo@example.com",
 *   "modifiedProperties":[{"displayName":"Role.DisplayName","newValue":"\"Global Administrator\""}]}]}
 */
import * as z from 'zod';
import { built, lazy } from '../../core/lazy.ts';
import { canonical, type Category, type Change } from '../../core/event.ts';
import { cleanIp, looksLikeEmail, text, toIsoMillis } from '../../core/fields.ts';
import { event, reject, type ItemResult } from '../../core/normalizer.ts';
import { entraFactor, type Envelope } from './signin.ts';

// As in ./signin.ts: declared fields only (the rest stripped, kept in `raw`); a wrongly typed optional field reads as null.
const Str = lazy(() => z.string().nullish().catch(null));
const Modified = lazy(() => z.object({ displayName: built(Str), oldValue: built(Str), newValue: built(Str) }));
const Target = lazy(() => z.object({
  id: built(Str), displayName: built(Str), userPrincipalName: built(Str),
  // Graph's own example spells it `Type`.
  type: built(Str), Type: built(Str),
  modifiedProperties: z.array(built(Modified)).nullish().catch(null),
}));

export const EntraAudit = lazy(() => z.object({
  id: z.string().min(1),
  activityDateTime: z.string().min(1),
  activityDisplayName: z.string().min(1),
  category: built(Str), result: built(Str), resultReason: built(Str), correlationId: built(Str), loggedByService: built(Str),
  initiatedBy: z.object({
    user: z.object({ id: built(Str), userPrincipalName: built(Str), displayName: built(Str), ipAddress: built(Str) }).nullish().catch(null),
    app: z.object({ appId: built(Str), displayName: built(Str), servicePrincipalId: built(Str), servicePrincipalName: built(Str) }).nullish().catch(null),
  }).nullish().catch(null),
  targetResources: z.array(built(Target)).nullish().catch(null),
  additionalDetails: z.array(z.object({ key: built(Str), value: built(Str) })).nullish().catch(null),
}));
export type EntraAudit = z.infer<typeof EntraAudit>;
type TargetResource = z.infer<typeof Target>;

/** `self`: the initiator acted on themselves (the role is in the activity's name). */
type TargetKind = 'policy' | 'role' | 'app' | 'user' | 'domain' | 'tenant' | 'idp' | 'self';
interface AuditRule { readonly category: Category; readonly change?: Change; readonly target?: TargetKind }

const rules = (category: Category, change: Change | undefined, target: TargetKind | undefined, names: string[]) =>
  names.map((n): [string, AuditRule] => [n, { category, change, target }]);

/** Activity display names (lower case) from reference-audit-activities. */
const RULES = new Map<string, AuditRule>([
  ...rules('policy_change', 'create', 'policy', ['add conditional access policy', 'add named location', 'authentication strength policy create', 'add policy']),
  ...rules('policy_change', 'update', 'policy', [
    'update conditional access policy', 'update named location', 'update security defaults',
    'authentication methods policy update', 'update authentication methods policy', 'authentication methods policy reset', 'authentication strength policy update',
    'update policy',
    'set password policy', 'update sign-in risk policy', 'update user risk and mfa registration policy',
    'update identityprotectionpolicy', 'update role setting in pim',
  ]),
  // Core Directory's "… policy" activities act on the directory's policy objects (Conditional Access, token lifetime, home realm discovery, …).
  ...rules('policy_change', 'delete', 'policy', ['delete conditional access policy', 'delete named location', 'authentication strength policy delete', 'delete policy']),
  ...rules('policy_change', 'activate', 'user', ['enable strong authentication']),
  ...rules('policy_change', 'deactivate', 'user', ['disable strong authentication']),
  ...rules('role_change', 'grant', 'role', [
    'add member to role', 'add eligible member to role', 'add scoped member to role',
    'add member to role scoped over restricted management administrative unit',
  ]),
  ...rules('role_change', 'revoke', 'role', [
    'remove member from role', 'remove eligible member from role', 'remove scoped member from role',
    'remove member from role scoped over restricted management administrative unit',
    'remove permanent direct role assignment', 'remove permanent eligible role assignment',
  ]),
  ...rules('role_change', 'grant', 'app', ['add app role assignment to service principal']),
  // A Global Administrator elevating themselves to User Access Administrator over every Azure subscription.
  ...rules('role_change', 'grant', 'self', ['user has elevated their access to user access administrator for their azure resources']),
  ...rules('role_change', 'revoke', 'app', ['remove app role assignment from service principal']),
  ...rules('credential_change', 'create', 'app', ['add service principal credentials']),
  ...rules('credential_change', 'revoke', 'app', ['remove service principal credentials']),
  ...rules('credential_change', 'update', 'app', ['update application - certificates and secrets management']),
  ...rules('credential_change', 'create', 'user', ['create application password for user']),
  ...rules('credential_change', 'revoke', 'user', ['delete application password for user']),
  ...rules('idp_change', 'update', 'domain', ['set federation settings on domain', 'set domain authentication']),
  ...rules('idp_change', 'create', 'tenant', ['add a partner to cross-tenant access setting']),
  ...rules('idp_change', 'update', 'tenant', [
    'update a partner cross-tenant access setting', 'update the company default cross-tenant access setting',
    'reset the cross-tenant access default setting',
  ]),
  ...rules('idp_change', 'delete', 'tenant', ['delete partner specific cross-tenant access setting']),
  ...rules('idp_change', 'create', 'idp', ['add certificationbasedauthconfiguration', 'create identity provider', 'create custom identity provider']),
  ...rules('idp_change', 'update', 'idp', ['update identity provider', 'update custom identity provider']),
  ...rules('idp_change', 'delete', 'idp', ['delete certificationbasedauthconfiguration', 'delete identity provider']),
  ...rules('password_reset', 'update', 'user', [
    'reset password (by admin)', 'reset password (self-service)', 'reset user password', 'reset password',
    'change user password', 'change password (self-service)', 'user started password reset',
    'admin started password reset', 'user password reset',
  ]),
  ...rules('factor_enroll', undefined, undefined, [
    'user registered security info', 'admin registered security info', 'add fido2 security key',
    'add windows hello for business credential', 'add passwordless phone sign-in credential',
  ]),
  ...rules('factor_remove', undefined, undefined, [
    'user deleted security info', 'admin deleted security info', 'delete fido2 security key(s)',
    'delete windows hello for business credential', 'delete passwordless phone sign-in credential',
  ]),
  ...rules('unlock', undefined, undefined, ['unlock user account (self-service)', 'clear block on user']),
  ...rules('lockout', undefined, undefined, ['add blocked user']),
  ...rules('fraud_report', undefined, undefined, ['fraud reported - user is blocked for mfa', 'fraud reported - no action taken', 'suspicious activity reported']),
]);

/** Older or reworded factor activities the exact names above miss. */
const FACTOR_FALLBACK: [RegExp, Category][] = [
  [/registered security info|added? (an )?authentication method|registered (an )?authentication method/, 'factor_enroll'],
  [/deleted security info|deleted (an )?authentication method|removed? (an )?authentication method/, 'factor_remove'],
  [/require re-?register multifactor|reset .*(mfa|multifactor|authentication methods)|revoke.*multifactor/, 'factor_reset'],
];
/** Audit categories whose unlisted activities are still administrative changes. */
const ADMIN_CATEGORIES = new Set(['UserManagement', 'GroupManagement', 'RoleManagement', 'DirectoryManagement', 'ApplicationManagement', 'Policy']);
/** Changes whose initiator is always the actor (CONTRACT §4). */
const ADMIN_KINDS = new Set<Category>(['policy_change', 'role_change', 'credential_change', 'idp_change', 'admin']);

const DASHES = /[\u2010-\u2015]/g;
const SPACES = /\s+/g;
const TRAILING_DOT = /\.$/;
/** "Update application – Certificates and secrets management " → "update application - certificates and secrets management". */
const activityKey = (name: string) => name.toLowerCase().replace(DASHES, '-').replace(SPACES, ' ').trim().replace(TRAILING_DOT, '');

/** PIM's many spellings of a completed grant or revoke ("Add eligible member to role in PIM completed (timebound)", "Remove member from role (PIM activation expired)", …). */
function pimRule(key: string): AuditRule | undefined {
  if (!key.includes(' role') || !(key.includes('completed') || key.includes('outside of pim') || key.includes('activation expired'))) return undefined;
  if (key.startsWith('add ')) return { category: 'role_change', change: 'grant', target: 'role' };
  if (key.startsWith('remove ')) return { category: 'role_change', change: 'revoke', target: 'role' };
  return undefined;
}

const MFA_CONTROLS = new Set(['mfa']);
/** Whether a Conditional Access policy (its JSON in `modifiedProperties`) is on and requires MFA or an authentication strength. */
function caPolicy(json: string | null | undefined): { on: boolean; mfa: boolean } | null {
  if (!json) return null;
  try {
    const p = JSON.parse(json) as { state?: unknown; grantControls?: { builtInControls?: unknown; authenticationStrength?: unknown } | null };
    const controls = Array.isArray(p.grantControls?.builtInControls) ? p.grantControls.builtInControls.map((c) => String(c).toLowerCase()) : [];
    return { on: p.state === 'enabled', mfa: controls.some((c) => MFA_CONTROLS.has(c)) || !!p.grantControls?.authenticationStrength };
  } catch {
    return null;
  }
}

/**
 * Refines an update by what it changed: a Conditional Access policy switched off (or to report
 * only) or no longer requiring MFA is `deactivate`; an authentication methods policy change to an
 * OpenID Connect configuration (external authentication methods, a third party's MFA) is a trust change.
 */
function refine(key: string, rule: AuditRule, a: EntraAudit): AuditRule {
  const props = (a.targetResources ?? []).flatMap((t) => t.modifiedProperties ?? []);
  if (key === 'update conditional access policy') {
    const p = props.find((m) => m.displayName === 'ConditionalAccessPolicy');
    const before = caPolicy(p?.oldValue);
    const after = caPolicy(p?.newValue);
    if (before && after && ((before.on && !after.on) || (before.mfa && !after.mfa))) return { ...rule, change: 'deactivate' };
  }
  if ((key === 'authentication methods policy update' || key === 'update authentication methods policy') && props.some((m) => /openidconnect|externalauthenticationmethod/i.test(m.displayName ?? ''))) {
    return { category: 'idp_change', change: 'update', target: 'policy' };
  }
  return rule;
}

function ruleOf(a: EntraAudit): AuditRule {
  const key = activityKey(a.activityDisplayName);
  const known = RULES.get(key) ?? pimRule(key);
  if (known) return refine(key, known, a);
  const factor = FACTOR_FALLBACK.find(([re]) => re.test(key))?.[1];
  if (factor) return { category: factor };
  return { category: ADMIN_CATEGORIES.has(a.category ?? '') ? 'admin' : 'other' };
}

// ---- targets ---------------------------------------------------------------------------------

const typeOf = (t: TargetResource) => (t.type ?? t.Type ?? '').toLowerCase();
const QUOTES = /^"|"$/g;
/** modifiedProperties values are JSON-encoded strings (`"\"Global Administrator\""`); a removal has only the old value. */
function modified(t: TargetResource | undefined, name: string): string | null {
  const p = t?.modifiedProperties?.find((m) => m.displayName === name);
  const v = text(p?.newValue) ?? text(p?.oldValue);
  return v ? text(v.replace(QUOTES, '')) : null;
}

interface TargetFields { target_type: string | null; target_id: string | null; target_name: string | null }
const NO_TARGET: TargetFields = { target_type: null, target_id: null, target_name: null };
const fields = (type: string, t: TargetResource | undefined): TargetFields =>
  t ? { target_type: type, target_id: text(t.id), target_name: text(t.displayName) ?? text(t.userPrincipalName) } : { ...NO_TARGET, target_type: type };

function targetOf(kind: TargetKind | undefined, targets: TargetResource[], user: TargetResource | undefined): TargetFields {
  const byType = (...types: string[]) => targets.find((t) => types.includes(typeOf(t)));
  switch (kind) {
    case undefined: return NO_TARGET;
    case 'user': return user ? { target_type: 'user', target_id: text(user.id), target_name: text(user.userPrincipalName) ?? text(user.displayName) } : fields('user', undefined);
    case 'role': {
      // PIM names the role (or the privileged group) as a target; a direct assignment puts it in the member's modifiedProperties.
      const r = byType('role', 'group');
      if (r) return fields(typeOf(r), r);
      const member = user ?? targets[0];
      return { target_type: 'role', target_id: modified(member, 'Role.ObjectID') ?? modified(member, 'Role.TemplateId'), target_name: modified(member, 'Role.DisplayName') };
    }
    case 'app': return fields('app', byType('serviceprincipal', 'application') ?? targets[0]);
    case 'policy': return fields('policy', byType('policy') ?? targets[0]);
    case 'domain': return fields('domain', byType('domain') ?? targets[0]);
    case 'self': return { target_type: 'role', target_id: null, target_name: 'User Access Administrator' };
    default: return fields(kind, targets[0]);
  }
}

const KEY_ID = /KeyIdentifier=/g;
/** "Certificates and secrets management" says only "update": the KeyDescription list before and after tells an added key from a removed one. */
function credentialChange(rule: AuditRule, targets: TargetResource[]): Change | undefined {
  if (rule.category !== 'credential_change' || rule.change !== 'update') return rule.change;
  const p = targets.flatMap((t) => t.modifiedProperties ?? []).find((m) => m.displayName === 'KeyDescription');
  const count = (v: string | null | undefined) => v?.match(KEY_ID)?.length ?? 0;
  if (!p) return rule.change;
  const before = count(p.oldValue);
  const after = count(p.newValue);
  return after > before ? 'create' : after < before ? 'revoke' : 'update';
}

// ---- who ---------------------------------------------------------------------------------------

type Party = { id?: string | null; userPrincipalName?: string | null };
interface Who { user: Party | undefined; actorId: string | null; actorLogin: string | null }

const sameUser = (a: Party, b: Party) => {
  const id = text(a.id);
  const upn = text(a.userPrincipalName)?.toLowerCase();
  return (!!id && id === text(b.id)) || (!!upn && upn === text(b.userPrincipalName)?.toLowerCase());
};

/**
 * The subject and the actor. Admin, policy, role, credential and IdP changes: the initiator is
 * always the actor and the affected user (if any) the user. Anything else (factor changes, resets,
 * fraud reports, …): the affected user is the user, the initiator the actor only when it is someone
 * else; with no affected user, an initiating user is the subject of their own action.
 */
function whoOf(a: EntraAudit, category: Category, userTarget: TargetResource | undefined, self = false): Who {
  const u = a.initiatedBy?.user;
  const app = a.initiatedBy?.app;
  const initiatorUser = u && (text(u.id) || text(u.userPrincipalName)) ? u : undefined;
  const actorId = initiatorUser ? text(initiatorUser.id) : text(app?.servicePrincipalId) ?? text(app?.appId);
  const actorLogin = initiatorUser ? text(initiatorUser.userPrincipalName) ?? text(initiatorUser.displayName) : text(app?.displayName) ?? text(app?.servicePrincipalName);
  if (ADMIN_KINDS.has(category)) return { user: userTarget ?? (self ? initiatorUser : undefined), actorId, actorLogin };
  if (!userTarget) return initiatorUser ? { user: initiatorUser, actorId: null, actorLogin: null } : { user: undefined, actorId, actorLogin };
  return initiatorUser && sameUser(initiatorUser, userTarget) ? { user: userTarget, actorId: null, actorLogin: null } : { user: userTarget, actorId, actorLogin };
}

const detail = (a: EntraAudit, key: string) => text(a.additionalDetails?.find((d) => d.key === key)?.value);

export function mapEntraAudit(a: EntraAudit, raw: string, env: Envelope): ItemResult {
  const time = toIsoMillis(a.activityDateTime);
  if (!time) return reject(`entra audit ${a.id}: "activityDateTime" is not a time`);
  const rule = ruleOf(a);
  const targets = a.targetResources ?? [];
  const userTarget = targets.find((t) => typeOf(t) === 'user') ?? targets.find((t) => text(t.userPrincipalName));
  const who = whoOf(a, rule.category, userTarget, rule.target === 'self');
  const login = text(who.user?.userPrincipalName);
  const result = text(a.result)?.toLowerCase();
  const isFactor = rule.category.startsWith('factor_');
  const factorRaw = isFactor ? text(a.resultReason) ?? a.activityDisplayName : null;
  const target = targetOf(rule.target, targets, userTarget);
  return event(canonical({
    event_uid: a.id,
    event_time: time,
    raw_event_type: a.activityDisplayName,
    category: rule.category,
    outcome: rule.category === 'fraud_report' ? 'fraud' : result === 'success' ? 'success' : result === 'failure' ? 'failure' : result === 'timeout' ? 'error' : 'unknown',
    reason: text(a.resultReason),
    is_mfa: false,
    factor: entraFactor(factorRaw),
    factor_raw: factorRaw,
    user_id: text(who.user?.id),
    user_login: login,
    user_email: looksLikeEmail(login) ? login.toLowerCase() : null,
    actor_id: who.actorId,
    actor_login: who.actorLogin,
    // An app has no IP in `initiatedBy`; the diagnostic record's caller address (or PIM's `ipaddr`) is the caller's.
    src_ip: cleanIp(a.initiatedBy?.user?.ipAddress) ?? cleanIp(env.callerIpAddress) ?? cleanIp(detail(a, 'ipaddr')),
    correlation_id: text(a.correlationId),
    app_id: text(a.initiatedBy?.app?.appId),
    app_name: text(a.initiatedBy?.app?.displayName),
    target_type: target.target_type,
    target_id: target.target_id,
    target_name: target.target_name,
    change: credentialChange(rule, targets) ?? null,
    raw,
  }));
}
