/**
 * AWS SDK clients, created once per process. In AWS they use the Lambda role; locally the
 * runtime points them at the loopback stand-ins through AUTHTRAIL_*_ENDPOINT variables.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { local } from './dynamo-client.ts';

export { documentClient } from './dynamo-client.ts';
export { s3Client } from './s3-client.ts';

let sns: SNSClient | undefined;

export function snsClient(): SNSClient {
  sns ??= new SNSClient(local('SNS'));
  return sns;
}
