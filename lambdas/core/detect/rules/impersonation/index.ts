/**
 * An admin or the vendor's support assumed a user's session, or support access to the tenant was
 * granted or extended. Every occurrence, high: the session that follows skips the user's own
 * sign-in and MFA altogether. The alert's user is the user assumed (`*` for support access to the tenant).
 */
import { defineRule, isImpersonation, single } from '../kit.ts';

export default defineRule({
  id: 'impersonation',
  scope: 'user',
  tenantWhenNoUser: true,
  settings: single,
  concerns: isImpersonation,
  windowKeepsEvidence: false,
  step(c, r) {
    if (!r.enabled) return;
    const e = c.event;
    const by = e.actor_login ?? e.actor_id;
    const what = e.change === 'grant' || e.change === 'update' ? 'support access granted' : 'session assumed';
    c.emit('high', [{ uid: c.uid, time: c.at }], `${what}${by ? ` by ${by}` : ''} (${e.raw_event_type ?? 'impersonation'})`);
  },
});
