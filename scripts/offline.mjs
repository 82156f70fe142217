#!/usr/bin/env node
// Runs a project tool (the CDK CLI) with every switch that keeps it off the network:
// no instance-metadata probe, no telemetry, no version check.
import { spawnSync } from 'node:child_process';
import { OFFLINE_ENV } from './offline-env.mjs';

const [tool, ...args] = process.argv.slice(2);
if (!tool) { console.error('usage: offline.mjs <tool> [args...]'); process.exit(2); }
const r = spawnSync('npx', ['--no-install', tool, ...args], { stdio: 'inherit', env: { ...process.env, ...OFFLINE_ENV } });
process.exit(r.status ?? 1);
