/** The partial-batch answer both stream consumers (archiver, detector) give Lambda. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DynamoDBRecord } from 'aws-lambda';
import { batchResponse } from '../../lambdas/adapters/stream-records.ts';

const rec = (seq: string): DynamoDBRecord => ({ eventName: 'INSERT', dynamodb: { SequenceNumber: seq } });

describe('stream batch response', () => {
  it('a failed batch is retried from its first record; a good one reports nothing', () => {
    assert.deepEqual(batchResponse([rec('100'), rec('101')], true), { batchItemFailures: [{ itemIdentifier: '100' }] });
    assert.deepEqual(batchResponse([rec('100'), rec('101')], false), { batchItemFailures: [] });
    assert.deepEqual(batchResponse([], true), { batchItemFailures: [] });
  });
});
