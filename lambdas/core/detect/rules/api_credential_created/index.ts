/**
 * An API credential created: an API token or key, a client secret or certificate, or API access
 * granted to an integration by an admin. Every occurrence, medium: each is a standing way into the
 * tenant that no MFA protects, but admins create them routinely (automation, new integrations).
 */
import { defineRule, isCredentialCreated, single } from '../kit.ts';

export default defineRule({
  id: 'api_credential_created',
  scope: 'user',
  tenantWhenNoUser: true,
  settings: single,
  concerns: isCredentialCreated,
  windowKeepsEvidence: false,
  step(c, r) {
    if (!r.enabled) return;
    const e = c.event;
    const by = e.actor_login ?? e.actor_id;
    const target = e.target_name ?? e.target_id;
    const did = e.change === 'grant' ? 'API access granted to' : 'API credential created for';
    c.emit('medium', [{ uid: c.uid, time: c.at }], `${did} ${e.target_type ?? 'app'}${target ? ` "${target}"` : ''}${by ? ` by ${by}` : ''} (${e.raw_event_type ?? 'credential change'})`);
  },
});
