/** Test reads of the hot table by event id (`source_id#event_uid`), whatever its day and shard. */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuthEvent } from '../../lambdas/core/event.ts';
import { hotItemToEvent } from '../../lambdas/core/hot-item.ts';

/** The stored event with this id, or undefined (a consistent scan of the whole table: test tables are small). */
export async function hotEventById(ddb: DynamoDBDocumentClient, table: string, id: string): Promise<AuthEvent | undefined> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const it of page.Items ?? []) if (String(it['sk']).endsWith(`#${id}`)) return hotItemToEvent(it) ?? undefined;
    start = page.LastEvaluatedKey;
  } while (start);
  return undefined;
}

/** Every stored event (decoded) with its item's `expires_at` and packed bytes, optionally of one source (a consistent scan). */
export async function hotEvents(ddb: DynamoDBDocumentClient, table: string, sourceId?: string): Promise<(AuthEvent & { _expires_at: number; _ev: Uint8Array })[]> {
  const out: (AuthEvent & { _expires_at: number; _ev: Uint8Array })[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const it of page.Items ?? []) {
      const e = hotItemToEvent(it);
      if (e && (sourceId === undefined || e.source_id === sourceId)) out.push({ ...e, _expires_at: Number(it['expires_at']), _ev: it['ev'] as Uint8Array });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}
