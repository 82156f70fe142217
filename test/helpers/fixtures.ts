import { readFileSync } from 'node:fs';

/** A fixture from test/fixtures/, parsed fresh (a structured clone per call, so tests cannot leak edits). */
export function fixture<T = unknown>(path: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8')) as T;
}

export function fixtureText(path: string): string {
  return readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
}
