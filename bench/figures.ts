/**
 * The benches' measured figures, kept in one file (`bench/figures.json`) that `npm run cost` and
 * `npm run scale` price and scale. Each bench replaces its own entry, stamped with the day it ran,
 * and leaves the others' as they are.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';

export const FIGURES_FILE = new URL('./figures.json', import.meta.url);

export function recordFigures(bench: string, figures: Record<string, unknown>, file: URL | string = FIGURES_FILE): void {
  const all = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  all[bench] = { date: new Date().toISOString().slice(0, 10), ...figures };
  const sorted = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]]));
  writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
  console.log(`figures of ${bench} written to bench/figures.json`);
}
