#!/usr/bin/env node
// The `authtrail` command. TypeScript sources run through tsx, so the CLI, the local runtime and
// the Lambda handlers are the same files with no build step.
import { register } from 'tsx/esm/api';
import { OFFLINE_ENV } from '../scripts/offline-env.mjs';

for (const [k, v] of Object.entries(OFFLINE_ENV)) process.env[k] ??= v;
// The SDK's notice about its future Node 22 requirement is printed on every command otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
// Output is flushed by now; a stray handle (an SDK socket, a stand-in that failed half-way)
// must not keep a finished command alive.
setTimeout(() => process.exit(), 1000).unref();
