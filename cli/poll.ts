/**
 * `authtrail poll <sourceId> [--outputs <cdk-outputs.json>]`: one poll of a pull source now, by
 * the running local collector, or in AWS mode by the deployed poller function of the source's
 * tenant (invoked as its schedule does, with `{"sourceId"}`), so it runs with that poller's role
 * and secrets.
 */
import { findSource, type Config } from '../lambdas/core/config.ts';
import { pullerFor } from '../lambdas/sources/pullers.ts';
import { loadConfig } from '../infra/config.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { localFetch, readEndpoints } from './endpoints.ts';
import { CliError } from './errors.ts';
import { lambdaInvoker, type Invoker } from './lambda.ts';
import { OUTPUT_KEYS, pollerOutputKey, readOutputs, type Outputs } from './outputs.ts';

/** The pull source `sourceId` of the config, or a one-line error naming the ones there are. */
export function pullSource(sourceId: string, config = loadConfig().config) {
  const pulls = config.sources.filter((s) => s.pull && pullerFor(s.kind)).map((s) => s.id);
  const source = findSource(config, sourceId);
  if (!source) throw new CliError(`unknown source: no source "${sourceId}" is configured (pull sources: ${pulls.join(', ') || 'none'})`);
  if (!pulls.includes(sourceId)) throw new CliError(`source ${sourceId} (${source.kind}) is not a pull source: its events arrive by webhook or EventBridge (pull sources: ${pulls.join(', ') || 'none'})`);
  return source;
}

/**
 * The deployed poller that serves `sourceId`: each tenant with pull sources has its own
 * (`PollerFunctionName<tenant>`; it reads only that tenant's credentials), found through the
 * source's tenant in the config. An outputs file with a single poller output (one tenant polls,
 * or a stack deployed before the split, `PollerFunctionName`) needs no config: that one serves it.
 */
export function pollerFunctionName(outputs: Outputs, sourceId: string, config: Config | undefined): string {
  const tenant = config ? findSource(config, sourceId)?.tenant : undefined;
  const own = tenant === undefined ? undefined : outputs.get(pollerOutputKey(tenant));
  if (own) return own;
  const pollers = outputs.keys().filter((k) => k.startsWith(OUTPUT_KEYS.pollerFunction));
  if (pollers.length === 1) return outputs.get(pollers[0]!)!;
  if (tenant === undefined) return outputs.need(OUTPUT_KEYS.pollerFunction, `the poller function; the stack has one per tenant with pull sources, ${OUTPUT_KEYS.pollerFunction}<tenant>`);
  return outputs.need(pollerOutputKey(tenant), `the poller of tenant ${tenant}, which polls ${sourceId}; the stack has one per tenant with pull sources`);
}

/** AWS mode: the poller function's answer (the same JSON the local collector prints), or its error. */
export async function pollDeployed(sourceId: string, outputs: Outputs, invoker: Invoker, config?: Config): Promise<number> {
  const fn = pollerFunctionName(outputs, sourceId, config);
  const r = await invoker.invoke(fn, { sourceId });
  if (r.error) { process.stderr.write(`authtrail: poll ${sourceId} failed: ${r.error}\n`); return 1; }
  console.log(JSON.stringify(r.payload));
  return 0;
}

export async function poll(args: string[]): Promise<number> {
  const { values, positionals: [sourceId] } = parseCommand('poll', args, OUTPUTS_OPTION, ['<sourceId>']);
  const { config } = loadConfig();
  pullSource(sourceId!, config);
  if (values.outputs) {
    const outputs = readOutputs(values.outputs);
    // Resolved before the client is made, so that a missing output is the one-line error.
    pollerFunctionName(outputs, sourceId!, config);
    const invoker = await lambdaInvoker();
    try { return await pollDeployed(sourceId!, outputs, invoker, config); } finally { invoker.close(); }
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
