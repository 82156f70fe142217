#!/usr/bin/env node
// `npm run console-screenshots`: the console's browser test, saving its screenshots into
// docs/console/ (what the README shows) instead of a temporary directory.
import { spawnSync } from 'node:child_process';
import { OFFLINE_ENV } from './offline-env.mjs';
import { ensureChromium } from './ensure-chromium.mjs';

ensureChromium();
const env = { ...process.env, ...OFFLINE_ENV, AUTHTRAIL_UPDATE_SCREENSHOTS: '1', POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' };
process.exit(spawnSync(process.execPath, ['--import', 'tsx', '--test', 'test/browser/console.test.ts'], { stdio: 'inherit', env }).status ?? 1);
