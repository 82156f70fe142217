/**
 * An admin or the vendor's support assumed a user's session, or support access to the tenant was
 * granted or extended. Every occurrence, high: the session that follows skips the user's own
 * sign-in and MFA altogether. The alert's user is the user assumed (`*` for support access to the tenant).
 */
import { isImpersonation, occurrenceRule } from '../kit.ts';

export default occurrenceRule({
  id: 'impersonation',
  concerns: isImpersonation,
  severity: 'high',
  summary(e, by) {
    const what = e.change === 'grant' || e.change === 'update' ? 'support access granted' : 'session assumed';
    return `${what}${by ? ` by ${by}` : ''} (${e.raw_event_type ?? 'impersonation'})`;
  },
});
