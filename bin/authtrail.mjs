#!/usr/bin/env node
// The `authtrail` command. TypeScript sources run through tsx, so the CLI, the local runtime and
// the Lambda handlers are the same files with no build step.
import { register } from 'tsx/esm/api';
import { OFFLINE_ENV } from '../scripts/offline-env.mjs';

const argv = process.argv.slice(2);
// `dev` and the local mode talk only to the stand-ins on loopback: nothing may probe the network.
// With --outputs a command talks to AWS with the caller's own settings (instance roles on EC2
// need the metadata service), so nothing is forced then.
const awsMode = argv.some((a) => a === '--outputs' || a.startsWith('--outputs='));
if (!awsMode) for (const [k, v] of Object.entries(OFFLINE_ENV)) process.env[k] ??= v;
// The SDK's notice about its future Node 22 requirement is printed on every command otherwise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// `authtrail query … | head`: the reader went away; that is the end of the output, not an error.
process.stdout.on('error', (err) => { if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0); throw err; });
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(argv);
// Output is flushed by now; a stray handle (an SDK socket, a stand-in that failed half-way)
// must not keep a finished command alive.
setTimeout(() => process.exit(), 1000).unref();
