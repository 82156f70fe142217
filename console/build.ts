/**
 * The console's files, built in memory: index.html, app.css, favicon.svg and app.js (console/src bundled
 * and minified by esbuild). The local runtime serves them at start; the CDK app compiles them into
 * the console function at synth. Small enough (tens of KB) to travel inside a Lambda bundle.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import type { ConsoleAssets } from '../lambdas/core/console.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
let built: ConsoleAssets | undefined;

export function buildConsoleAssets(): ConsoleAssets {
  if (built) return built;
  const js = buildSync({
    entryPoints: [here('./src/main.ts')], bundle: true, format: 'esm', target: 'es2022', minify: true,
    write: false, legalComments: 'none', logLevel: 'silent',
  });
  built = {
    'index.html': { type: 'text/html; charset=utf-8', body: readFileSync(here('./index.html'), 'utf8') },
    'app.css': { type: 'text/css; charset=utf-8', body: readFileSync(here('./style.css'), 'utf8') },
    'app.js': { type: 'text/javascript; charset=utf-8', body: js.outputFiles[0]!.text },
    'favicon.svg': { type: 'image/svg+xml', body: readFileSync(here('./favicon.svg'), 'utf8') },
  };
  return built;
}
