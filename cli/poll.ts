/** `authtrail poll <sourceId>`: one poll of a pull source now, by the running local collector. */
import { findSource } from '../lambdas/core/config.ts';
import { pullerFor } from '../lambdas/sources/pullers.ts';
import { loadConfig } from '../infra/config.ts';
import { parseCommand } from './args.ts';
import { localFetch, readEndpoints } from './endpoints.ts';
import { CliError } from './errors.ts';

/** The pull source `sourceId` of the config, or a one-line error naming the ones there are. */
export function pullSource(sourceId: string, config = loadConfig().config) {
  const pulls = config.sources.filter((s) => s.pull && pullerFor(s.kind)).map((s) => s.id);
  const source = findSource(config, sourceId);
  if (!source) throw new CliError(`unknown source: no source "${sourceId}" is configured (pull sources: ${pulls.join(', ') || 'none'})`);
  if (!pulls.includes(sourceId)) throw new CliError(`source ${sourceId} (${source.kind}) is not a pull source: its events arrive by webhook or EventBridge (pull sources: ${pulls.join(', ') || 'none'})`);
  return source;
}

export async function poll(args: string[]): Promise<number> {
  const { positionals: [sourceId] } = parseCommand('poll', args, {}, ['<sourceId>']);
  pullSource(sourceId!);
  const e = readEndpoints();
  const res = await localFetch(e, `/_local/poll/${encodeURIComponent(sourceId!)}`, { method: 'POST' });
  const body = await res.text();
  if (!res.ok) {
    let message = body;
    try { message = (JSON.parse(body) as { message?: string }).message ?? body; } catch { /* not JSON: print as is */ }
    process.stderr.write(`authtrail: poll ${sourceId} failed: ${message}\n`);
    return 1;
  }
  console.log(body);
  return 0;
}
