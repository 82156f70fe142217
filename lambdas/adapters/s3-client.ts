/** The S3 client, created once per process (a module of its own, see adapters/dynamo-client.ts). */
import { S3Client } from '@aws-sdk/client-s3';
import { local } from './dynamo-client.ts';

let s3: S3Client | undefined;

export function s3Client(): S3Client {
  const l = local('S3');
  // The local S3 server stores streamed uploads correctly only without the SDK's default checksums.
  s3 ??= new S3Client(l.endpoint
    ? { ...l, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
    : {});
  return s3;
}
