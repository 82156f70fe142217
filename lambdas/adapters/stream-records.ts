/** DynamoDB stream records → canonical events (stream consumers share this). */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { itemToEvent } from '../core/archive.ts';
import { hotItemToEvent } from '../core/hot-item.ts';
import type { AuthEvent } from '../core/event.ts';
import type { ArchiveBatch } from './archive-writer.ts';

/** The new event a record carries; TTL deletions and updates never reach the archive. */
function newEvent(r: DynamoDBRecord): AuthEvent | null {
  if (r.eventName !== 'INSERT' || !r.dynamodb?.NewImage) return null;
  const item = unmarshall(r.dynamodb.NewImage as Record<string, AttributeValue>);
  // The previous layout's items carry every field as an attribute (a stream read across an upgrade).
  return item['ev'] === undefined ? itemToEvent(item) : hotItemToEvent(item);
}

/** New events of a batch. */
export function newEvents(records: readonly DynamoDBRecord[]): AuthEvent[] {
  const out: AuthEvent[] = [];
  for (const r of records) {
    const e = newEvent(r);
    if (e) out.push(e);
  }
  return out;
}

/** A batch with every record's stream position, as the archive writer commits it. */
export function archiveBatch(records: readonly DynamoDBRecord[]): ArchiveBatch {
  return {
    stream: records[0]?.eventSourceARN ?? '',
    records: records.map((r) => {
      const seq = r.dynamodb?.SequenceNumber;
      const pk = r.dynamodb?.Keys?.['pk']?.S;
      const sk = r.dynamodb?.Keys?.['sk']?.S;
      if (!seq || pk === undefined) throw new Error('a stream record without SequenceNumber or key');
      return { seq, pk: sk === undefined ? pk : `${pk}#${sk}`, event: newEvent(r) };
    }),
  };
}


/**
 * The partial-batch answer of a stream consumer: nothing failed, or the whole batch failed from
 * its first record on (Lambda retries it, bisecting, until its DLQ).
 */
export function batchResponse(records: readonly DynamoDBRecord[], failed: boolean): DynamoDBBatchResponse {
  const first = failed ? records[0]?.dynamodb?.SequenceNumber : undefined;
  return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
}
