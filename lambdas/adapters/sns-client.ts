/** The SNS client, created once per process (a module of its own, see adapters/dynamo-client.ts). */
import { SNSClient } from '@aws-sdk/client-sns';
import { local } from './dynamo-client.ts';

let sns: SNSClient | undefined;

export function snsClient(): SNSClient {
  sns ??= new SNSClient(local('SNS'));
  return sns;
}
