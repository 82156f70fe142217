/**
 * An identity provider or federation trust added, changed or switched on: whoever controls a
 * trusted identity provider signs in as any user it vouches for, past the tenant's own MFA.
 * Every occurrence, high.
 */
import { isIdpTrustChange, occurrenceRule } from '../kit.ts';

export default occurrenceRule({
  id: 'idp_trust_changed',
  concerns: isIdpTrustChange,
  severity: 'high',
  summary(e, by) {
    const target = e.target_name ?? e.target_id;
    const did = e.change === 'create' ? 'added' : e.change === 'activate' ? 'switched on' : 'changed';
    return `identity provider / federation trust${target ? ` "${target}"` : ''} ${did}${by ? ` by ${by}` : ''} (${e.raw_event_type ?? 'idp change'})`;
  },
});
