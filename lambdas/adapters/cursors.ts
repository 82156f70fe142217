/** Pull cursors in the state table: they survive restarts and redeploys. */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Cursor, CursorStore } from '../core/pull.ts';

export function dynamoCursors(o: { client: DynamoDBDocumentClient; table: string }): CursorStore {
  const pk = (sourceId: string) => `cursor#${sourceId}`;
  return {
    async get(sourceId) {
      const r = await o.client.send(new GetCommand({ TableName: o.table, Key: { pk: pk(sourceId) }, ConsistentRead: true }));
      return (r.Item?.['cursor'] as Cursor | undefined) ?? null;
    },
    async put(sourceId, cursor) {
      await o.client.send(new PutCommand({ TableName: o.table, Item: { pk: pk(sourceId), cursor, updated: new Date().toISOString() } }));
    },
  };
}
