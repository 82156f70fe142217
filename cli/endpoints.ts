import { existsSync, readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { endpointsFile, homeDir, type Endpoints } from '../local/dev.ts';
import { LOCAL_TOKEN_HEADER } from '../local/api-server.ts';

/** The running local collector's endpoints (written by `authtrail dev`). */
export function readEndpoints(): Endpoints {
  const file = endpointsFile(homeDir());
  if (!existsSync(file)) throw new Error(`no running collector: ${file} does not exist (start one with npm start, or set AUTHTRAIL_HOME)`);
  return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
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
export function localFetch(e: Endpoints, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (e.localToken) headers.set(LOCAL_TOKEN_HEADER, e.localToken);
  return fetch(`${e.api}${path}`, { ...init, headers });
}
