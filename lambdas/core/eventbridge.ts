/**
 * EventBridge routing (CONTRACT §3): which configured source an EventBridge event belongs to.
 * Deployed rules and the local `POST /v1/eventbridge` both use this one function.
 */
import type { Config, Source } from './config.ts';
import type { SourceKind } from './event.ts';

/** The vendors' own event sources on EventBridge (partner buses and AWS services). */
export const WELL_KNOWN_EVENT_SOURCES: Partial<Record<SourceKind, readonly string[]>> = {
  okta: ['aws.partner/okta.com/'],
  auth0: ['aws.partner/auth0.com/'],
  // `aws.sso` also matches `aws.sso-directory` (Identity Center MFA device changes).
  aws_signin: ['aws.signin', 'aws.sso'],
};

/**
 * AWS services whose EventBridge events belong to a kind only for some event names: IAM's API
 * calls ("AWS API Call via CloudTrail", delivered in us-east-1, IAM being global) are mostly
 * noise, and only the sign-in-adjacent changes the aws_signin mapping reads are routed (access
 * keys, admin policies, identity providers, MFA devices, console passwords).
 */
export const FILTERED_EVENT_SOURCES: Partial<Record<SourceKind, readonly { source: string; eventNames: readonly string[] }[]>> = {
  aws_signin: [{
    source: 'aws.iam',
    eventNames: [
      'CreateAccessKey', 'UpdateAccessKey', 'DeleteAccessKey', 'AttachUserPolicy', 'DetachUserPolicy',
      'AddUserToGroup', 'RemoveUserFromGroup', 'CreateSAMLProvider', 'UpdateSAMLProvider', 'DeleteSAMLProvider',
      'CreateOpenIDConnectProvider', 'UpdateOpenIDConnectProviderThumbprint', 'DeleteOpenIDConnectProvider',
      'EnableMFADevice', 'CreateVirtualMFADevice', 'DeactivateMFADevice', 'DeleteVirtualMFADevice',
      'UpdateLoginProfile', 'ChangePassword',
    ],
  }],
};

const eventNameOf = (e: { detail: unknown }) => {
  const d = e.detail as { eventName?: unknown } | null;
  return typeof d?.eventName === 'string' ? d.eventName : null;
};

/**
 * True for an event of a name-filtered service whose name no rule takes (IAM's `ListUsers`, say):
 * the deployed rules never deliver it, so the local EventBridge stand-in drops it as well.
 */
export function filteredOut(envelope: EventBridgeEnvelope): boolean {
  const filters = Object.values(FILTERED_EVENT_SOURCES).flat().filter((f) => f.source === envelope.source);
  const name = eventNameOf(envelope);
  return filters.length > 0 && !filters.some((f) => !!name && f.eventNames.includes(name));
}

/** The kind whose well-known (or name-filtered) EventBridge source sent the envelope, if any. */
function wellKnownKind(envelope: EventBridgeEnvelope): SourceKind | undefined {
  const kinds = Object.keys(WELL_KNOWN_EVENT_SOURCES) as SourceKind[];
  const byPrefix = kinds.find((k) => WELL_KNOWN_EVENT_SOURCES[k]!.some((p) => matches(envelope.source, p)));
  if (byPrefix) return byPrefix;
  const name = eventNameOf(envelope);
  return (Object.keys(FILTERED_EVENT_SOURCES) as SourceKind[]).find((k) =>
    FILTERED_EVENT_SOURCES[k]!.some((f) => f.source === envelope.source && !!name && f.eventNames.includes(name)));
}

export interface EventBridgeEnvelope {
  source: string;
  'detail-type': string;
  detail: unknown;
  [k: string]: unknown;
}

export function isEnvelope(v: unknown): v is EventBridgeEnvelope {
  return typeof v === 'object' && v !== null && typeof (v as { source?: unknown }).source === 'string' && 'detail' in v;
}

const matches = (eventSource: string, prefix: string) => eventSource === prefix || eventSource.startsWith(prefix);

export function eventSourcePrefixes(source: Source): readonly string[] {
  return source.eventbridge?.source ? [source.eventbridge.source] : WELL_KNOWN_EVENT_SOURCES[source.kind] ?? [];
}

export function routeEventBridge(config: Config, envelope: EventBridgeEnvelope): Source | undefined {
  const explicit = config.sources.find((s) => s.eventbridge?.source && matches(envelope.source, s.eventbridge.source));
  if (explicit) return explicit;
  const kind = wellKnownKind(envelope);
  if (!kind) return undefined;
  const ofKind = config.sources.filter((s) => s.kind === kind && !s.eventbridge?.source);
  const withBus = ofKind.filter((s) => s.eventbridge);
  const candidates = withBus.length ? withBus : ofKind;
  return candidates.length === 1 ? candidates[0] : undefined;
}
