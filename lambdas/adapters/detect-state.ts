/**
 * Detector state in the state table: per tenant and user, the recent matching occurrences of
 * each rule and the open alerts, under optimistic concurrency (a version number), expiring by
 * TTL once no window or suppression can still need them.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { OpenAlert, Occurrence } from '../core/detect/engine.ts';
import type { RuleName } from '../core/detect/settings.ts';

export interface UserState {
  occ: Partial<Record<RuleName, Occurrence[]>>;
  open: Partial<Record<RuleName, OpenAlert>>;
  version: number;
}

export class StateConflictError extends Error {
  override name = 'StateConflictError';
}

export function dynamoDetectState(o: { client: DynamoDBDocumentClient; table: string }) {
  const pk = (tenant: string, user: string) => `detect#${tenant}#${user}`;
  return {
    async get(tenant: string, user: string): Promise<UserState> {
      const r = await o.client.send(new GetCommand({ TableName: o.table, Key: { pk: pk(tenant, user) }, ConsistentRead: true }));
      return r.Item ? { occ: r.Item['occ'] ?? {}, open: r.Item['open'] ?? {}, version: Number(r.Item['version'] ?? 0) } : { occ: {}, open: {}, version: 0 };
    },
    async put(tenant: string, user: string, s: UserState, expiresAt: number): Promise<void> {
      try {
        await o.client.send(new PutCommand({
          TableName: o.table,
          Item: { pk: pk(tenant, user), occ: s.occ, open: s.open, version: s.version + 1, expires_at: expiresAt },
          ...(s.version ? { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': s.version } } : { ConditionExpression: 'attribute_not_exists(pk)' }),
        }));
      } catch (err) {
        if ((err as { name?: string }).name === 'ConditionalCheckFailedException') throw new StateConflictError('detector state changed concurrently');
        throw err;
      }
    },
  };
}
export type DetectState = ReturnType<typeof dynamoDetectState>;
