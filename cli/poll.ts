/** `authtrail poll <sourceId>`: one poll of a pull source now, by the running local collector. */
import { localFetch, readEndpoints } from './endpoints.ts';
import { UsageError } from './main.ts';

export async function poll(args: string[]): Promise<number> {
  const [sourceId] = args;
  if (!sourceId) throw new UsageError('poll needs <sourceId>');
  const e = readEndpoints();
  const res = await localFetch(e, `/_local/poll/${encodeURIComponent(sourceId)}`, { method: 'POST' });
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
