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
  const kind = (Object.keys(WELL_KNOWN_EVENT_SOURCES) as SourceKind[]).find((k) =>
    WELL_KNOWN_EVENT_SOURCES[k]!.some((p) => matches(envelope.source, p)));
  if (!kind) return undefined;
  const ofKind = config.sources.filter((s) => s.kind === kind && !s.eventbridge?.source);
  const withBus = ofKind.filter((s) => s.eventbridge);
  const candidates = withBus.length ? withBus : ofKind;
  return candidates.length === 1 ? candidates[0] : undefined;
}
