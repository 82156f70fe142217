#!/usr/bin/env node
// `npm test`: typecheck, then every test tier with node's test runner (TypeScript through tsx).
// Usage: node scripts/test.mjs [unit|infra|integration|browser ...]. Needs no AWS account and no network:
// the integration tier starts its own DynamoDB Local, S3 and SNS stand-ins on loopback.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { OFFLINE_ENV } from './offline-env.mjs';

const TIERS = ['unit', 'infra', 'integration', 'browser'];
const tiers = process.argv.slice(2).length ? process.argv.slice(2) : TIERS;
for (const t of tiers) if (!TIERS.includes(t)) { console.error(`unknown test tier "${t}" (${TIERS.join(', ')})`); process.exit(2); }
const env = { ...process.env, ...OFFLINE_ENV, POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };

const run = (cmd, args) => spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1;

// The Node code, then the web console's page code (DOM types, no Node types).
if (run('npx', ['--no-install', 'tsc', '--noEmit', '-p', 'tsconfig.json']) !== 0 || run('npx', ['--no-install', 'tsc', '--noEmit', '-p', 'console/tsconfig.json']) !== 0) {
  console.error('typecheck failed');
  process.exit(1);
}
// The unit tier runs the Lambda-only paths on Node 24: installed here once when missing.
if (tiers.includes('unit')) {
  const { ensureNode24 } = await import('./ensure-node24.mjs');
  try { ensureNode24(); } catch (err) { console.error(`unit tests: ${err.message}`); process.exit(1); }
}
// The browser tier drives Debian's Chromium: installed here when missing (as root, on CI).
if (tiers.includes('browser')) {
  const { ensureChromium } = await import('./ensure-chromium.mjs');
  try { ensureChromium(); } catch (err) { console.error(`browser tests: ${err.message}`); process.exit(1); }
}
// Each detection rule's tests sit beside it (lambdas/core/detect/rules/<rule>/<rule>.test.ts): unit tier.
const RULES_DIR = join('lambdas', 'core', 'detect', 'rules');
const ruleTests = () => readdirSync(RULES_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).flatMap((d) => readdirSync(join(RULES_DIR, d.name)).filter((f) => f.endsWith('.test.ts')).map((f) => join(RULES_DIR, d.name, f))).sort();
const filesOf = (t) => [...readdirSync(join('test', t)).filter((f) => f.endsWith('.test.ts')).sort().map((f) => join('test', t, f)), ...(t === 'unit' ? ruleTests() : [])];
// The pure tiers (unit: no network, no shared files; infra: synth in memory) run two files at a
// time, one per core of the smallest CI machine; the tiers that start collectors and stand-ins
// run one file at a time, so no test's timing depends on another file's load.
const PARALLEL = new Set(['unit', 'infra']);
const phases = [
  { files: tiers.filter((t) => PARALLEL.has(t)).flatMap(filesOf), concurrency: Math.max(1, Math.min(2, availableParallelism())) },
  { files: tiers.filter((t) => !PARALLEL.has(t)).flatMap(filesOf), concurrency: 1 },
].filter((p) => p.files.length);
let status = 0;
for (const p of phases) {
  const r = run(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${p.concurrency}`, ...p.files]);
  status ||= r;
}
process.exit(status);
