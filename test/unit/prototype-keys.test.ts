/**
 * Vendor strings used as lookup keys (event types, factor names, verbs, countries) never reach
 * `Object.prototype`: every string value of every vendor fixture item, replaced one at a time by
 * `toString`, `constructor`, `__proto__`, `hasOwnProperty` or `valueOf`, normalizes to a valid
 * AuthEvent or a reason, never a throw or a function-valued field.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { type SourceKind } from '../../lambdas/core/event.ts';
import { AuthEvent } from '../../lambdas/core/event-schema.ts';
import { normalizerFor } from '../../lambdas/sources/index.ts';
import { table } from '../../lambdas/core/fields.ts';
import { fixture } from '../helpers/fixtures.ts';

const VENDORS: SourceKind[] = ['okta', 'duo', 'entra', 'google_workspace', 'auth0', 'pingone', 'onelogin', 'keycloak', 'jumpcloud', 'aws_signin'];
const NAMES = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf'];
const complete = (e: object, source: SourceKind) => ({ tenant: 't', source_id: 's', source, ingest_time: '2026-11-21T00:00:00.000Z', ...e });

/** Every path to a string value in `v`. */
function stringPaths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (typeof v === 'string') out.push(at);
  else if (Array.isArray(v)) v.forEach((x, i) => stringPaths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) stringPaths(x, [...at, k], out);
  return out;
}
function setAt(v: unknown, path: (string | number)[], value: string): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  o[path[path.length - 1]!] = value;
  return copy;
}

describe('prototype member names in vendor events', () => {
  it('table() finds only its own keys', () => {
    const t = table({ a: 1 });
    assert.deepEqual(NAMES.map((n) => t[n]), NAMES.map(() => undefined));
    assert.equal(t['a'], 1);
  });
  for (const kind of VENDORS) {
    it(kind, () => {
      const n = normalizerFor(kind)!;
      const files = readdirSync(new URL(`../fixtures/${kind}/`, import.meta.url)).filter((f) => f.endsWith('.json') && f !== 'expected.json' && f !== 'truth.json');
      let cases = 0;
      for (const file of files) {
        for (const item of n.unwrap(fixture(`${kind}/${file}`))) {
          for (const path of stringPaths(item)) {
            for (const name of NAMES) {
              cases++;
              const r = n.normalize(setAt(item, path, name));
              const where = `${file} ${path.join('.')} = ${name}`;
              if (r.kind === 'event') {
                for (const [k, v] of Object.entries(r.event)) assert.notEqual(typeof v, 'function', `${where}: ${k}`);
                assert.ok(AuthEvent.safeParse(complete(r.event, kind)).success, `${where}: ${JSON.stringify(r.event)}`);
              } else assert.ok(r.reason.length > 0, where);
            }
          }
        }
      }
      assert.ok(cases > 100, `${cases} cases`);
    });
  }
});
