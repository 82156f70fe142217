import { readFileSync } from 'node:fs';

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
