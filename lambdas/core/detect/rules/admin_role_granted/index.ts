/**
 * An admin role or privileged group granted: every occurrence, medium; high when the role is the
 * vendor's top role (`topRoles`, per source kind: the role names as the vendor's events spell
 * them, compared without case). The alert's user is the user granted the role (`*` when the
 * event names none, e.g. a role granted to a group).
 */
import type { AuthEvent } from '../../../event.ts';
import { defineRule, enabled, isRoleGrant, settingsOf, type Zod } from '../kit.ts';

/** The roles that control everything else, per source kind (a tenant's `topRoles` replaces the whole map). */
export const TOP_ROLES: Record<string, string[]> = {
  okta: ['Super administrator', 'SUPER_ADMIN'],
  entra: ['Global Administrator', 'Company Administrator', 'Privileged Role Administrator', 'User Access Administrator'],
  google_workspace: ['Super Admin', '_SEED_ADMIN_ROLE', '_DOMAINLESS_SUPER_ADMIN_ROLE'],
  duo: ['Owner'],
  onelogin: ['Super user', 'Account Owner'],
  jumpcloud: ['Administrator with Billing'],
  pingone: ['Organization Admin'],
  keycloak: ['realm-admin', 'admin'],
  aws_signin: ['AdministratorAccess'],
};

const roles = (z: Zod) => z.record(z.string().min(1), z.array(z.string().min(1)).max(50));

/** The names a role_change event gives its role: each of a list (`Super administrator, Read only admin`), and an ARN's last part. */
function roleNames(e: AuthEvent): string[] {
  const out: string[] = [];
  for (const v of [e.target_name, e.target_id]) {
    if (!v) continue;
    for (const part of v.split(/[,;]/)) {
      const p = part.trim().toLowerCase();
      if (!p) continue;
      out.push(p);
      const tail = p.split(/[/:]/).pop();
      if (tail && tail !== p) out.push(tail);
    }
  }
  return out;
}

export const isTopRole = (e: AuthEvent, top: Record<string, string[]>) => {
  const names = new Set((top[e.source] ?? []).map((n) => n.toLowerCase()));
  return names.size > 0 && roleNames(e).some((n) => names.has(n));
};

export default defineRule({
  id: 'admin_role_granted',
  scope: 'user',
  tenantWhenNoUser: true,
  settings: (z: Zod) => settingsOf(z, { enabled: enabled(z), topRoles: roles(z) }, { enabled: true, topRoles: TOP_ROLES }),
  concerns: isRoleGrant,
  windowKeepsEvidence: false,
  step(c, r) {
    if (!r.enabled) return;
    const e = c.event;
    const top = isTopRole(e, r.topRoles);
    const role = e.target_name ?? e.target_id;
    const by = e.actor_login ?? e.actor_id;
    c.emit(top ? 'high' : 'medium', [{ uid: c.uid, time: c.at }],
      `${top ? 'top admin role' : 'admin role or privileged group'}${role ? ` "${role}"` : ''} granted${by ? ` by ${by}` : ''} (${e.raw_event_type ?? 'role change'})`);
  },
});
