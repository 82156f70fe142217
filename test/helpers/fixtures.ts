import { readdirSync, readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import type { AuthEvent, NormalizedFields, SourceKind } from '../../lambdas/core/event.ts';
import type { ItemResult, Normalizer } from '../../lambdas/core/normalizer.ts';

/** A fixture from test/fixtures/, parsed fresh (a structured clone per call, so tests cannot leak edits). */
export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

export function fixtureText(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
}

export type OktaEvent = Record<string, unknown> & { uuid: string };

/** An Okta Event Hook body of `n` distinct events (the fixture's seven, cycled, with new uuids under `prefix`). */
export function oktaHook(n: number, edit?: (e: OktaEvent, i: number) => void, prefix = 'c0ffee00'): string {
  const base = fixture<{ data: { events: OktaEvent[] } }>('okta/event-hook.json').data.events;
  const events = Array.from({ length: n }, (_, i) => {
    const e = structuredClone(base[i % base.length]!);
    e.uuid = `${prefix}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    edit?.(e, i);
    return e;
  });
  return JSON.stringify({ eventType: 'com.okta.event_hook', data: { events } });
}

/** Schema version 2's fields: an expectation in `expected.json` that leaves one out expects null. */
const V2_FIELDS = new Set(['target_type', 'target_id', 'target_name', 'change', 'anonymizer']);
const PIPELINE_FIELDS = new Set(['tenant', 'source_id', 'source', 'ingest_time', 'event_uid']);

/**
 * Asserts a normalized event field by field against its `expected.json` entry: every canonical
 * field the normalizer fills, `raw` as the vendor event itself.
 */
export function assertFields(e: Record<string, unknown>, want: Record<string, unknown>, item: unknown, fields: readonly string[]): void {
  for (const field of fields) {
    if (PIPELINE_FIELDS.has(field)) continue;
    if (field === 'raw') assert.deepEqual(JSON.parse(e['raw'] as string), item, `${String(e['event_uid'])}: raw keeps the vendor event`);
    else assert.deepEqual(e[field], V2_FIELDS.has(field) ? want[field] ?? null : want[field], `${String(e['event_uid'])}.${field}`);
  }
}

/** One vendor event through its normalizer, which must make an event of it. */
export function normalizedEvent(n: Normalizer, item: unknown): NormalizedFields {
  const r = n.normalize(item);
  assert.equal(r.kind, 'event', JSON.stringify(r));
  return (r as Extract<ItemResult, { kind: 'event' }>).event;
}

/** Every vendor event of a body (unwrapped as its delivery path does), each normalized to an event. */
export const normalizedEvents = (n: Normalizer, payload: unknown): NormalizedFields[] => n.unwrap(payload).map((i) => normalizedEvent(n, i));

/** Every event the normalizers make of every vendor fixture, as tenant acme's (with the fixture it came from). */
export async function normalizedFixtureEvents(): Promise<{ kind: SourceKind; file: string; event: AuthEvent }[]> {
  const { normalizerFor, SUPPORTED_KINDS } = await import('../../lambdas/sources/index.ts');
  const out: { kind: SourceKind; file: string; event: AuthEvent }[] = [];
  for (const kind of SUPPORTED_KINDS) {
    let files: string[];
    try { files = readdirSync(new URL(`../fixtures/${kind}/`, import.meta.url)); } catch { continue; }
    const n = normalizerFor(kind)!;
    for (const file of files.filter((f) => f.endsWith('.json') && f !== 'expected.json' && f !== 'truth.json')) {
      for (const item of n.unwrap(fixture(`${kind}/${file}`))) {
        const r = n.normalize(item);
        if (r.kind === 'event') out.push({ kind, file, event: { tenant: 'acme', source_id: `acme-${kind}`, source: kind, ingest_time: '2026-11-21T00:00:00.000Z', ...r.event } });
      }
    }
  }
  return out;
}
