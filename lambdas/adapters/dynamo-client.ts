/**
 * The DynamoDB document client, created once per process. A
 * module of its own so that importing it loads neither the S3 nor the SNS client: the intakes and
 * pollers need DynamoDB at every invocation, S3 only for a quarantined body.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** In AWS the Lambda role; locally the runtime points clients at the loopback stand-ins through AUTHTRAIL_*_ENDPOINT variables. */
export function local(service: 'DYNAMODB' | 'S3' | 'SNS') {
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

export function documentClient(): DynamoDBDocumentClient {
  ddb ??= DynamoDBDocumentClient.from(new DynamoDBClient({ ...local('DYNAMODB'), maxAttempts: 5 }), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  return ddb;
}
