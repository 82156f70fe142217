/**
 * AWS SDK clients, created once per process. In AWS they use the Lambda role; locally the
 * runtime points them at the loopback stand-ins through AUTHTRAIL_*_ENDPOINT variables.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';

function local(service: 'DYNAMODB' | 'S3' | 'SNS') {
  const endpoint = process.env[`AUTHTRAIL_${service}_ENDPOINT`];
  if (!endpoint) return {};
  return {
    endpoint,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeyId: process.env[`AUTHTRAIL_${service}_ACCESS_KEY`] ?? 'local',
      secretAccessKey: process.env[`AUTHTRAIL_${service}_SECRET_KEY`] ?? 'local',
    },
  };
}

let ddb: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let sns: SNSClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient({ ...local('DYNAMODB'), maxAttempts: 5 }), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return ddb;
}

export function s3Client(): S3Client {
  const l = local('S3');
  // The local S3 server stores streamed uploads correctly only without the SDK's default checksums.
  s3 ??= new S3Client(l.endpoint
    ? { ...l, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
    : {});
  return s3;
}

export function snsClient(): SNSClient {
  sns ??= new SNSClient(local('SNS'));
  return sns;
}
