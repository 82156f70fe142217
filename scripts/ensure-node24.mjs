#!/usr/bin/env node
// Node 24, the Lambda runtime's major, for the tests of the paths only Lambda takes (ZSTD Parquet):
// the npm package `node` (a real binary), installed once into node_modules/.cache by the test run's
// setup — not a dependency, whose `bin` would shadow the machine's Node in every npm script.
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const NODE24_VERSION = '24.21.0';
const PREFIX = fileURLToPath(new URL(`../node_modules/.cache/authtrail-node-${NODE24_VERSION}/`, import.meta.url));
export const NODE24 = `${PREFIX}node_modules/node/bin/node`;

export function ensureNode24() {
  if (existsSync(NODE24)) return NODE24;
  mkdirSync(PREFIX, { recursive: true });
  console.error(`authtrail tests: installing node@${NODE24_VERSION} (the Lambda runtime's major) into node_modules/.cache`);
  const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--prefix', PREFIX, `node@${NODE24_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0 || !existsSync(NODE24)) throw new Error(`npm could not install node@${NODE24_VERSION}`);
  return NODE24;
}

if (import.meta.url === `file://${process.argv[1]}`) ensureNode24();
