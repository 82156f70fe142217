import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseNamedQuery, type NamedQuery } from '../lambdas/core/named-queries.ts';

export const QUERIES_DIR = fileURLToPath(new URL('../queries/', import.meta.url));

export function loadNamedQueries(dir = QUERIES_DIR): NamedQuery[] {
  return readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => {
    const q = parseNamedQuery(readFileSync(join(dir, f), 'utf8'), f);
    if (`${q.name}.sql` !== f) throw new Error(`${f}: its "-- name:" is ${q.name}; the file must be named after it`);
    return q;
  });
}
