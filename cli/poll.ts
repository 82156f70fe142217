/**
 * `authtrail poll <sourceId> [--outputs <cdk-outputs.json>]`: one poll of a pull source now, by
 * the running local collector, or in AWS mode by the deployed poller function (invoked as its
 * schedule does, with `{"sourceId"}`), so it runs with the poller's role and secrets.
 */
import { findSource } from '../lambdas/core/config.ts';
import { pullerFor } from '../lambdas/sources/pullers.ts';
import { loadConfig } from '../infra/config.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { localFetch, readEndpoints } from './endpoints.ts';
import { CliError } from './errors.ts';
import { lambdaInvoker, type Invoker } from './lambda.ts';
import { OUTPUT_KEYS, readOutputs, type Outputs } from './outputs.ts';

/** The pull source `sourceId` of the config, or a one-line error naming the ones there are. */
export function pullSource(sourceId: string, config = loadConfig().config) {
  const pulls = config.sources.filter((s) => s.pull && pullerFor(s.kind)).map((s) => s.id);
  const source = findSource(config, sourceId);
  if (!source) throw new CliError(`unknown source: no source "${sourceId}" is configured (pull sources: ${pulls.join(', ') || 'none'})`);
  if (!pulls.includes(sourceId)) throw new CliError(`source ${sourceId} (${source.kind}) is not a pull source: its events arrive by webhook or EventBridge (pull sources: ${pulls.join(', ') || 'none'})`);
  return source;
}

/** AWS mode: the poller function's answer (the same JSON the local collector prints), or its error. */
export async function pollDeployed(sourceId: string, outputs: Outputs, invoker: Invoker): Promise<number> {
  const fn = outputs.need(OUTPUT_KEYS.pollerFunction, 'the poller function; the stack has one when the config has a pull source');
  const r = await invoker.invoke(fn, { sourceId });
  if (r.error) { process.stderr.write(`authtrail: poll ${sourceId} failed: ${r.error}\n`); return 1; }
  console.log(JSON.stringify(r.payload));
  return 0;
}

export async function poll(args: string[]): Promise<number> {
  const { values, positionals: [sourceId] } = parseCommand('poll', args, OUTPUTS_OPTION, ['<sourceId>']);
  pullSource(sourceId!);
  if (values.outputs) {
    const outputs = readOutputs(values.outputs);
    const invoker = await lambdaInvoker();
    try { return await pollDeployed(sourceId!, outputs, invoker); } finally { invoker.close(); }
  }
  const e = readEndpoints();
  const res = await localFetch(e, `/_local/poll/${encodeURIComponent(sourceId!)}`, { method: 'POST' });
  const body = await res.text();
  if (!res.ok) {
    let message = body;
    try { message = (JSON.parse(body) as { message?: string }).message ?? body; } catch { /* not JSON: print as is */ }
    process.stderr.write(`authtrail: poll ${sourceId} failed: ${message}\n`);
    return 1;
  }
  // Re-serialized, so that both modes print the same line.
  let out = body;
  try { out = JSON.stringify(JSON.parse(body)); } catch { /* as is */ }
  console.log(out);
  return 0;
}
