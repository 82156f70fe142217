/**
 * A sign-on or MFA policy (or one of its rules) switched off or deleted, an MFA requirement
 * dropped from a policy, or MFA enforcement turned off for a user: every occurrence. The alert's
 * user is the affected user where the change names one, else `*` (the whole tenant).
 */
import { isPolicyWeakened, occurrenceRule } from '../kit.ts';

const what = (name: string | null, type: string | null) => (name ? `${type ?? 'policy'} "${name}"` : type === 'user' ? 'the MFA requirement of a user' : 'a sign-on or MFA policy');

export default occurrenceRule({
  id: 'mfa_policy_weakened',
  concerns: isPolicyWeakened,
  severity: 'high',
  summary(e, by) {
    const did = e.change === 'delete' ? 'deleted' : 'switched off or weakened';
    return `${what(e.target_name ?? e.target_id, e.target_type)} ${did}${by ? ` by ${by}` : ''} (${e.raw_event_type ?? 'policy change'})`;
  },
});
