import { existsSync, readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { endpointsFile, homeDir, type Endpoints } from '../local/dev.ts';
import { LOCAL_TOKEN_HEADER } from '../local/api-server.ts';
import { CliError, explain } from './errors.ts';

/** The running local collector's endpoints (written by `authtrail dev`). */
export function readEndpoints(): Endpoints {
  const file = endpointsFile(homeDir());
  if (!existsSync(file)) throw new CliError(`no running collector: ${file} does not exist (start one with npm start, set AUTHTRAIL_HOME to its state directory, or pass --outputs <cdk-outputs.json> for a deployed stack)`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
  } catch (err) {
    throw new CliError(`${file} cannot be read (${(err as Error).message}): restart the collector (npm start)`);
  }
}

export function localS3(e: Endpoints): S3Client {
  return new S3Client({
    endpoint: e.s3, region: e.region, credentials: e.credentials, forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Local-only routes (`/_local/*`, `/v1/eventbridge`) take the collector's per-start token. */
export { LOCAL_TOKEN_HEADER };

/** A request to the running local collector, carrying its local token. */
export async function localFetch(e: Endpoints, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (e.localToken) headers.set(LOCAL_TOKEN_HEADER, e.localToken);
  return collectorFetch(`${e.api}${path}`, { ...init, headers });
}

/** fetch to the local collector; "nothing listens" becomes one line naming the fix. */
export async function collectorFetch(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw new CliError(explain(err, `the local collector at ${new URL(url).origin}`) ?? `the local collector at ${new URL(url).origin} did not answer (${(err as Error).message}): restart it with npm start`, { cause: err });
  }
}
