/** DynamoDB stream records → canonical events (stream consumers share this). */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { itemToEvent } from '../core/archive.ts';
import type { AuthEvent } from '../core/event.ts';

/** New events of a batch; TTL deletions and updates never reach the archive. */
export function newEvents(records: readonly DynamoDBRecord[]): AuthEvent[] {
  const out: AuthEvent[] = [];
  for (const r of records) {
    if (r.eventName !== 'INSERT' || !r.dynamodb?.NewImage) continue;
    const e = itemToEvent(unmarshall(r.dynamodb.NewImage as Record<string, AttributeValue>));
    if (e) out.push(e);
  }
  return out;
}


/**
 * The partial-batch answer of a stream consumer: nothing failed, or the whole batch failed from
 * its first record on (Lambda retries it, bisecting, until its DLQ).
 */
export function batchResponse(records: readonly DynamoDBRecord[], failed: boolean): DynamoDBBatchResponse {
  const first = failed ? records[0]?.dynamodb?.SequenceNumber : undefined;
  return { batchItemFailures: first ? [{ itemIdentifier: first }] : [] };
}
