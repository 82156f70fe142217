import { existsSync, readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { endpointsFile, homeDir, type Endpoints } from '../local/dev.ts';

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
