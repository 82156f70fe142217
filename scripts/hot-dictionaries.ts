/**
 * Builds the hot table's compression dictionaries (lambdas/core/hot-dictionaries.ts): one per
 * vendor, from the *shape* of its fixture events — the canonical event and the vendor's payload
 * with every value blanked except short strings that recur (enum-like: event types, outcomes,
 * factor names) — so that deflate finds the field names and the payload's structure in the
 * dictionary and spends its bits on the values.
 *
 *   node --import tsx scripts/hot-dictionaries.ts            prints the sizes (held-out check)
 *   node --import tsx scripts/hot-dictionaries.ts --write    writes a NEW dictionary set
 *
 * A written set is frozen: items written with it are decoded with it for as long as the hot table
 * keeps them. `--write` appends a set under the next id and never edits an existing one.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { normalizedFixtureEvents } from '../test/helpers/fixtures.ts';
import { packedJson } from '../lambdas/core/hot-item.ts';
import { DICTIONARY_SETS } from '../lambdas/core/hot-dictionaries.ts';

/** Bytes per vendor dictionary: all of them ride in every bundle that reads the hot table. */
export const DICTIONARY_BYTES = 12 * 1024;

type Fixture = Awaited<ReturnType<typeof normalizedFixtureEvents>>[number];

export function buildDictionaries(events: readonly Fixture[]): Record<string, string> {
  const count = new Map<string, number>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') count.set(v, (count.get(v) ?? 0) + 1);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  // The deployment's own names and the fixtures' ingest time say nothing about a vendor's shape.
  const docs = events.map((x) => ({ kind: x.kind, doc: JSON.parse(packedJson({ ...x.event, tenant: '', source_id: '', ingest_time: '' })) as unknown }));
  for (const d of docs) walk(d.doc);
  const shape = (v: unknown): unknown => {
    if (typeof v === 'string') return (count.get(v) ?? 0) >= 3 && v.length <= 40 ? v : '';
    if (typeof v === 'number') return 0;
    if (Array.isArray(v)) return v.slice(0, 1).map(shape);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)]));
    return v;
  };
  const out: Record<string, string> = {};
  for (const kind of [...new Set(docs.map((d) => d.kind))].sort()) {
    // The most frequent shapes last: deflate reaches them at the shortest distance.
    const shapes = new Map<string, number>();
    for (const d of docs.filter((x) => x.kind === kind)) {
      const s = JSON.stringify(shape(d.doc));
      shapes.set(s, (shapes.get(s) ?? 0) + 1);
    }
    const ordered = [...shapes].sort((a, b) => a[1] - b[1]).map(([s]) => s);
    let dict = '';
    for (let i = ordered.length - 1; i >= 0 && Buffer.byteLength(ordered[i]! + dict) <= DICTIONARY_BYTES; i--) dict = ordered[i]! + dict;
    out[kind] = dict;
  }
  return out;
}

async function main() {
  const events = await normalizedFixtureEvents();
  const files = [...new Set(events.map((x) => `${x.kind}/${x.file}`))].sort();
  const train = new Set(files.filter((_, i) => i % 2 === 0));
  const held = buildDictionaries(events.filter((x) => train.has(`${x.kind}/${x.file}`)));
  console.log('held-out check (dictionaries from half of the fixture files, sizes on the other half):');
  for (const kind of Object.keys(held)) {
    const test = events.filter((x) => x.kind === kind && !train.has(`${x.kind}/${x.file}`));
    if (!test.length) continue;
    const plain = test.reduce((n, x) => n + deflateRawSync(Buffer.from(packedJson(x.event)), { level: 9 }).length, 0) / test.length;
    const dict = test.reduce((n, x) => n + deflateRawSync(Buffer.from(packedJson(x.event)), { level: 9, dictionary: Buffer.from(held[kind]!) }).length, 0) / test.length;
    console.log(`  ${kind.padEnd(18)} ${String(test.length).padStart(3)} events: ${Math.round(plain)} bytes without a dictionary, ${Math.round(dict)} with`);
  }
  if (process.argv.includes('--write')) {
    const file = new URL('../lambdas/core/hot-dictionaries.ts', import.meta.url);
    const next = DICTIONARY_SETS.length + 1;
    const set = buildDictionaries(events);
    const src = readFileSync(file, 'utf8').replace(/\n\/\/ @sets-end\n/, `\n  // Set ${next}, written ${new Date().toISOString().slice(0, 10)}.\n  ${JSON.stringify(set)},\n// @sets-end\n`);
    writeFileSync(file, src);
    console.log(`wrote dictionary set ${next} (${Object.values(set).reduce((n, d) => n + d.length, 0)} bytes)`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
