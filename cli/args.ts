/**
 * Flags of every command, parsed strictly with `node:util` `parseArgs`: an unknown flag, a flag
 * without its value or a surplus argument is a usage error (exit 2), never silently ignored.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/** `--outputs <cdk-outputs.json>`: the AWS mode of the operator commands (CONTRACT §7). */
export const OUTPUTS_OPTION = { outputs: { type: 'string' } } as const satisfies Options;

export interface Parsed<O extends Options> {
  values: { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { multiple: true } ? string[] : string };
  positionals: string[];
}

/**
 * Parses `args` for `command`. `positionals` names the positional arguments it takes, in order
 * (`<name>` required, `[name]` optional); more than that is a usage error.
 */
export function parseCommand<O extends Options>(command: string, args: string[], options: O, positionals: readonly string[] = []): Parsed<O> {
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Node's messages are long and name the internals; say it in the user's terms.
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(e.message)?.[1] ?? '';
      throw new UsageError(`${command}: unknown option ${flag}${Object.keys(options).length ? ` (it takes ${Object.keys(options).map((o) => `--${o}`).join(', ')})` : ' (it takes none)'}`);
    }
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const flag = /--([\w-]+)/.exec(e.message)?.[0] ?? 'an option';
      throw new UsageError(options[flag.slice(2)]?.type === 'boolean' ? `${command}: ${flag} takes no value` : `${command}: ${flag} needs a value`);
    }
    throw new UsageError(`${command}: ${e.message.split('\n')[0]}`);
  }
  const required = positionals.filter((p) => p.startsWith('<')).length;
  if (parsed.positionals.length < required) throw new UsageError(`${command} needs ${positionals.slice(parsed.positionals.length, required).join(' ')}`);
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError(`${command}: unexpected argument "${parsed.positionals[positionals.length]}"${positionals.length ? ` (it takes ${positionals.join(' ')})` : ''}`);
  }
  // A flag given twice silently losing one value would mislead as much as an ignored flag.
  for (const [name, o] of Object.entries(options)) {
    if (o.multiple) continue;
    const n = args.filter((a) => a === `--${name}` || a.startsWith(`--${name}=`) || (o.short && a === `-${o.short}`)).length;
    if (n > 1) throw new UsageError(`${command}: --${name} given ${n} times`);
  }
  return parsed as unknown as Parsed<O>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A `YYYY-MM-DD` flag value that is a real calendar day. */
export function dateFlag(command: string, flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  // A month or day out of range (2026-13-01) is no date at all: Date.parse gives NaN, not a RangeError.
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) throw new UsageError(`${command}: ${flag} takes a date YYYY-MM-DD, not "${v}"`);
  return v;
}
