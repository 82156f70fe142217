/**
 * Microsoft Entra ID sign-in and audit logs, every way they leave Entra:
 * - diagnostic settings (Event Hubs, storage): `{"records": [{time, category, operationName,
 *   resultType, callerIpAddress, properties: {…signIn or directoryAudit}}]}`, categories
 *   SignInLogs, NonInteractiveUserSignInLogs, ServicePrincipalSignInLogs,
 *   ManagedIdentitySignInLogs (→ ./signin.ts) and AuditLogs (→ ./audit.ts); a storage blob's
 *   JSON lines arrive as the same records one by one;
 * - Microsoft Graph pages `{"value": [...]}` of `auditLogs/signIns` (v1.0 and beta) and
 *   `auditLogs/directoryAudits`, pushed or read by the puller (./pull.ts).
 * Other diagnostic categories (ProvisioningLogs, RiskyUsers, MicrosoftGraphActivityLogs, …) are
 * not sign-in or audit events and are left out with a reason.
 *
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/howto-stream-logs-to-event-hub
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/reference-azure-monitor-sign-ins-log-schema
 * @see https://learn.microsoft.com/en-us/entra/identity/monitoring-health/concept-diagnostic-settings-logs-options
 * @see https://learn.microsoft.com/en-us/graph/api/signin-list
 * @see https://learn.microsoft.com/en-us/graph/api/directoryaudit-list
 * @example {"records":[{"time":"2026-11-20T10:00:00.1234567Z","category":"SignInLogs","resultType":"50140",
 *   "callerIpAddress":"198.51.100.23","properties":{"id":"6f…","createdDateTime":"2026-11-20T10:00:00Z",
 *   "userPrincipalName":"jo@example.com","status":{"errorCode":50140}}}]}
 */
import { createHash } from 'node:crypto';
import { ignore, parseItem, reject, type ItemResult, type Normalizer } from '../../core/normalizer.ts';
import { EntraAudit, mapEntraAudit } from './audit.ts';
import { EntraSignIn, mapEntraSignIn, NO_ENVELOPE, type Envelope } from './signin.ts';

export { EntraAudit, mapEntraAudit } from './audit.ts';
export { EntraSignIn, entraFactor, mapEntraSignIn } from './signin.ts';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SIGNIN_CATEGORIES = new Set(['SignInLogs', 'NonInteractiveUserSignInLogs', 'ServicePrincipalSignInLogs', 'ManagedIdentitySignInLogs']);

/** A record without the resource's own id gets one from its content, so a redelivery deduplicates. */
const derivedId = (raw: string) => `sha256:${createHash('sha256').update(raw).digest('hex')}`;

function signIn(props: Record<string, unknown>, raw: string, env: Envelope): ItemResult {
  const p = parseItem(EntraSignIn, props, 'entra');
  return p.ok ? mapEntraSignIn(p.value, raw, env) : p.result;
}
function audit(props: Record<string, unknown>, raw: string, env: Envelope): ItemResult {
  const p = parseItem(EntraAudit, props, 'entra');
  return p.ok ? mapEntraAudit(p.value, raw, env) : p.result;
}

/** A diagnostic-settings record: the Graph resource in `properties`, with the envelope's time, id and caller address as fallbacks. */
function diagnostic(item: Record<string, unknown>, category: string, raw: string): ItemResult {
  let props = item['properties'] as Record<string, unknown>;
  const env: Envelope = { category, callerIpAddress: item['callerIpAddress'], resultType: item['resultType'], resultDescription: item['resultDescription'] };
  // The input is never edited: a copy only where a fallback is needed.
  if (SIGNIN_CATEGORIES.has(category)) {
    if (props['createdDateTime'] == null || props['id'] == null) props = { ...props, createdDateTime: props['createdDateTime'] ?? item['time'], id: props['id'] ?? derivedId(raw) };
    return signIn(props, raw, env);
  }
  if (category === 'AuditLogs') {
    if (props['activityDateTime'] == null || props['activityDisplayName'] == null || props['id'] == null) {
      props = { ...props, activityDateTime: props['activityDateTime'] ?? item['time'], activityDisplayName: props['activityDisplayName'] ?? item['operationName'], id: props['id'] ?? derivedId(raw) };
    }
    return audit(props, raw, env);
  }
  return ignore(`entra category ${category} carries no sign-in or audit events`);
}

export const entra: Normalizer = {
  kind: 'entra',
  docs: 'https://learn.microsoft.com/en-us/graph/api/resources/signin',
  unwrap(payload) {
    if (Array.isArray(payload)) return payload.flatMap((p) => entra.unwrap(p));
    if (isObject(payload)) {
      if (Array.isArray(payload['records'])) return payload['records'];
      if (Array.isArray(payload['value'])) return payload['value'];
    }
    return [payload];
  },
  normalize(item) {
    if (!isObject(item)) return reject('entra record is not a JSON object');
    const raw = JSON.stringify(item);
    if (typeof item['category'] === 'string' && isObject(item['properties'])) return diagnostic(item, item['category'], raw);
    // A Graph resource: a directoryAudit has an activity, a signIn does not.
    if ('activityDisplayName' in item) return audit(item, raw, NO_ENVELOPE);
    return signIn(item, raw, NO_ENVELOPE);
  },
};
