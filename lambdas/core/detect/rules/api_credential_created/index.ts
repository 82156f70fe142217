/**
 * An API credential created: an API token or key, a client secret or certificate, or API access
 * granted to an integration by an admin. Every occurrence, medium: each is a standing way into the
 * tenant that no MFA protects, but admins create them routinely (automation, new integrations).
 */
import { isCredentialCreated, occurrenceRule } from '../kit.ts';

export default occurrenceRule({
  id: 'api_credential_created',
  concerns: isCredentialCreated,
  severity: 'medium',
  summary(e, by) {
    const target = e.target_name ?? e.target_id;
    const did = e.change === 'grant' ? 'API access granted to' : 'API credential created for';
    return `${did} ${e.target_type ?? 'app'}${target ? ` "${target}"` : ''}${by ? ` by ${by}` : ''} (${e.raw_event_type ?? 'credential change'})`;
  },
});
