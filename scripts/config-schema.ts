/**
 * Writes authtrail.config.schema.json, the JSON Schema of `authtrail.config.json`, from the zod
 * schema the CDK app and `npm start` validate with (editors complete and check the file with it).
 * `npm run config-schema`; a unit test fails when the file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configJsonSchema } from '../lambdas/core/config-schema.ts';

const path = new URL('../authtrail.config.schema.json', import.meta.url);
const text = configJsonSchema();
const before = (() => { try { return readFileSync(path, 'utf8'); } catch { return ''; } })();
if (before !== text) writeFileSync(path, text);
console.log(before === text ? 'authtrail.config.schema.json is current' : 'authtrail.config.schema.json written');
