/**
 * An identity provider or federation trust added, changed or switched on: whoever controls a
 * trusted identity provider signs in as any user it vouches for, past the tenant's own MFA.
 * Every occurrence, high.
 */
import { defineRule, isIdpTrustChange, single } from '../kit.ts';

export default defineRule({
  id: 'idp_trust_changed',
  scope: 'user',
  tenantWhenNoUser: true,
  settings: single,
  concerns: isIdpTrustChange,
  windowKeepsEvidence: false,
  step(c, r) {
    if (!r.enabled) return;
    const e = c.event;
    const by = e.actor_login ?? e.actor_id;
    const target = e.target_name ?? e.target_id;
    const did = e.change === 'create' ? 'added' : e.change === 'activate' ? 'switched on' : 'changed';
    c.emit('high', [{ uid: c.uid, time: c.at }], `identity provider / federation trust${target ? ` "${target}"` : ''} ${did}${by ? ` by ${by}` : ''} (${e.raw_event_type ?? 'idp change'})`);
  },
});
