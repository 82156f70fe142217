/** Rewrites the README's MFA truth tables from test/fixtures/<kind>/truth.json. */
import { readFileSync, writeFileSync } from 'node:fs';
import { readmeWithTruthTables } from '../test/helpers/truth.ts';

const path = new URL('../README.md', import.meta.url);
const before = readFileSync(path, 'utf8');
const after = readmeWithTruthTables(before);
if (after !== before) writeFileSync(path, after);
console.log(after === before ? 'README truth tables are current' : 'README truth tables rewritten');
