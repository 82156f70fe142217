/** `authtrail flush`: make the running local collector archive everything pending now. */
import { parseCommand } from './args.ts';
import { localFetch, readEndpoints } from './endpoints.ts';

export async function flush(args: string[] = []): Promise<number> {
  parseCommand('flush', args, {});
  const e = readEndpoints();
  const res = await localFetch(e, '/_local/flush', { method: 'POST' });
  const body = await res.text();
  if (!res.ok) { process.stderr.write(`authtrail: flush failed (${res.status}): ${body}\n`); return 1; }
  console.log(body);
  return 0;
}
