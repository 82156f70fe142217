/**
 * Fault injection for the local runtime's own tests (never present in Lambda bundles): set
 * `AUTHTRAIL_LOCAL_FAILPOINTS` to a comma-separated list of
 *
 * - `kill-after-put:<key prefix>:<n>` — SIGKILL the collector's process group right after the
 *   n-th successful S3 PUT under that prefix (`events/`, `digests/`, `quarantine/`), as a power
 *   cut would;
 * - `s3-outage:<after ms>:<for ms>` — every S3 call fails as if the server were unreachable during
 *   that window after start.
 */
import type { S3Client } from '@aws-sdk/client-s3';

export class FailpointError extends Error {
  override name = 'FailpointError';
}

function killGroup(): never {
  // `authtrail dev` started as its own group leader takes DynamoDB Local with it.
  try { process.kill(-process.pid, 'SIGKILL'); } catch { /* not a group leader */ }
  process.kill(process.pid, 'SIGKILL');
  throw new FailpointError('unreachable');
}

export function installFailpoints(s3: S3Client, spec = process.env.AUTHTRAIL_LOCAL_FAILPOINTS): void {
  if (!spec) return;
  const started = Date.now();
  for (const fp of spec.split(',').map((x) => x.trim()).filter(Boolean)) {
    const parts = fp.split(':');
    if (parts[0] === 'kill-after-put' && parts.length === 3) {
      const [, prefix, n] = parts as [string, string, string];
      let count = 0;
      s3.middlewareStack.add((next, ctx) => async (args) => {
        const r = await next(args);
        const input = args.input as { Key?: string };
        if (ctx.commandName === 'PutObjectCommand' && input.Key?.startsWith(prefix) && ++count === Number(n)) killGroup();
        return r;
      }, { step: 'initialize', name: `failpoint-${fp}` });
    } else if (parts[0] === 's3-outage' && parts.length === 3) {
      const from = started + Number(parts[1]);
      const to = from + Number(parts[2]);
      s3.middlewareStack.add((next) => async (args) => {
        const now = Date.now();
        if (now >= from && now < to) throw Object.assign(new FailpointError('local S3 unreachable (failpoint s3-outage)'), { code: 'ECONNREFUSED' });
        return next(args);
      }, { step: 'initialize', name: `failpoint-${fp}` });
    } else {
      throw new FailpointError(`AUTHTRAIL_LOCAL_FAILPOINTS: unknown failpoint "${fp}"`);
    }
  }
}
