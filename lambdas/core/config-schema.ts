/** The config's JSON Schema, generated from the zod schema (its input side: defaults optional). */
import * as z from 'zod';
import { Config } from './config.ts';

export function configJsonSchema(): string {
  const schema = z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ ...schema, title: 'authtrail.config.json', description: 'authtrail configuration: tenants, sources, retention, alerts (see README.md, Configuration).' }, null, 2)}\n`;
}
