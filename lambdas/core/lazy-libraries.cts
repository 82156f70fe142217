/**
 * The user-agent parser of core/fields.ts, loaded on first use instead of at module load: a cold
 * start evaluated its regex tables (~2–4 ms) though many functions never parse an agent (most
 * vendors send the OS and browser themselves).
 *
 * CommonJS on purpose: a `require()` inside a function is what esbuild bundles as a module that
 * runs the first time the function asks for it (an ES `import` runs at load; an `import()` is
 * asynchronous and the caller is not). tsx and Node run this file as it is.
 */
import type UAParserModule = require('ua-parser-js');

/** The package's `module.exports` is the `UAParser` class itself (its ES-style typing calls it the default export). */
type UAParser = typeof UAParserModule.default;

let uaParser: UAParser | undefined;

export = {
  uaParser(): UAParser {
    return (uaParser ??= require('ua-parser-js') as UAParser);
  },
};
