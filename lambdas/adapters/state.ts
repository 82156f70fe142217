/**
 * The state table: small bookkeeping items that must survive restarts and redeploys (digest
 * chain heads, local stream checkpoints; later poll cursors and rule state). Key: `pk` string.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DigestRef } from '../core/digest.ts';

export interface DigestHeads {
  get(tenant: string): Promise<DigestRef | null>;
  /** Moves the head from `expected` to `next`; false if another writer moved it first. */
  compareAndSet(tenant: string, expected: DigestRef | null, next: DigestRef): Promise<boolean>;
}

export function dynamoDigestHeads(o: { client: DynamoDBDocumentClient; table: string }): DigestHeads {
  const pk = (tenant: string) => `digest-head#${tenant}`;
  return {
    async get(tenant) {
      const r = await o.client.send(new GetCommand({ TableName: o.table, Key: { pk: pk(tenant) }, ConsistentRead: true }));
      return r.Item ? { key: r.Item['key'] as string, sha256: r.Item['sha256'] as string } : null;
    },
    async compareAndSet(tenant, expected, next) {
      try {
        await o.client.send(new PutCommand({
          TableName: o.table,
          Item: { pk: pk(tenant), key: next.key, sha256: next.sha256, updated: new Date().toISOString() },
          ...(expected
            ? { ConditionExpression: 'sha256 = :e', ExpressionAttributeValues: { ':e': expected.sha256 } }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }));
        return true;
      } catch (err) {
        if (err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException') return false;
        throw err;
      }
    },
  };
}
