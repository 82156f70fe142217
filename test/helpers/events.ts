import { EMPTY_FIELDS, type AuthEvent } from '../../lambdas/core/event.ts';

/** A canonical event with sensible defaults; override what a test is about. */
export function ev(over: Partial<AuthEvent> & Pick<AuthEvent, 'event_uid' | 'event_time'>): AuthEvent {
  return {
    ...EMPTY_FIELDS,
    tenant: 'acme', source_id: 'acme-okta', source: 'okta', ingest_time: '2026-11-22T12:00:00.000Z',
    raw: JSON.stringify({ id: over.event_uid }),
    ...over,
  };
}
