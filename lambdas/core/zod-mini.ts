/**
 * zod's tree-shakable build (`zod/mini`) for functions that validate a small request and nothing
 * else (compactor, verifier, OCSF export): ~16 KB in a bundle against ~90 KB for `zod`. It comes
 * without messages; this module registers the English ones that `zod` itself registers, so an
 * error reads the same from either.
 */
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
