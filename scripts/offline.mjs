#!/usr/bin/env node
// Runs the CDK CLI: `synth` with every switch that keeps it off the network (no instance-metadata
// probe, no telemetry, no version check); every other command with the caller's AWS settings and
// only telemetry and the version check off.
import { spawnSync } from 'node:child_process';
import { cdkEnv } from './offline-env.mjs';

const [tool, ...args] = process.argv.slice(2);
if (!tool) { console.error('usage: offline.mjs <tool> [args...]'); process.exit(2); }
const r = spawnSync('npx', ['--no-install', tool, ...args], { stdio: 'inherit', env: cdkEnv(args) });
process.exit(r.status ?? 1);
