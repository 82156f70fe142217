import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoHotStore, toItem } from '../../lambdas/adapters/hot-store.ts';
import { EMPTY_FIELDS, type AuthEvent } from '../../lambdas/core/event.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const mock = mockClient(doc);
const ev = (i: number): AuthEvent => ({
  ...EMPTY_FIELDS, tenant: 'acme', source_id: 'acme-okta', source: 'okta', event_uid: `uid-${i}`,
  event_time: '2026-11-20T10:00:00.000Z', ingest_time: '2026-11-21T00:00:00.000Z', user_login: 'Jo@Example.com',
});

describe('DynamoDB hot store', () => {
  beforeEach(() => mock.reset());

  it('derives the key from source_id + event_uid and indexes tenant+user and tenant+day', () => {
    const item = toItem(ev(1), 90);
    assert.equal(item['pk'], 'acme-okta#uid-1');
    assert.equal(item['gsi1pk'], 'acme#jo@example.com');
    assert.equal(item['gsi2pk'], 'acme#2026-11-20');
    assert.equal(item['gsi2sk'], '2026-11-20T10:00:00.000Z#acme-okta#uid-1');
    assert.equal(item['expires_at'], Date.parse('2026-11-21T00:00:00Z') / 1000 + 90 * 86_400);
    assert.equal('reason' in item, false, 'nulls are not stored');
  });

  it('writes only new events, in batches of at most 25, and counts the rest as duplicates', async () => {
    const events = Array.from({ length: 60 }, (_, i) => ev(i));
    mock.on(BatchGetCommand).callsFake((input) => {
      const keys = input.RequestItems.t.Keys as { pk: string }[];
      return { Responses: { t: keys.filter((k) => ['acme-okta#uid-3', 'acme-okta#uid-59'].includes(k.pk)) } };
    });
    mock.on(BatchWriteCommand).resolves({});
    const r = await dynamoHotStore({ client: doc, table: 't', hotDays: 90 }).putNew(events);
    assert.deepEqual(r, { accepted: 58, duplicates: 2 });
    const writes = mock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!['t']!.length);
    assert.deepEqual(writes.sort((a, b) => b - a), [25, 25, 8]);
    assert.equal(mock.commandCalls(BatchGetCommand)[0]!.args[0].input.RequestItems!['t']!.ConsistentRead, true);
  });

  it('retries unprocessed items until they are written', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    const first = ev(1);
    mock.on(BatchWriteCommand)
      .resolvesOnce({ UnprocessedItems: { t: [{ PutRequest: { Item: toItem(first, 90) } }] } })
      .resolves({});
    const r = await dynamoHotStore({ client: doc, table: 't', hotDays: 90 }).putNew([first, ev(2)]);
    assert.deepEqual(r, { accepted: 2, duplicates: 0 });
    assert.equal(mock.commandCalls(BatchWriteCommand).length, 2);
    assert.equal(mock.commandCalls(BatchWriteCommand)[1]!.args[0].input.RequestItems!['t']!.length, 1);
  });

  it('fails loudly when items stay unprocessed, so nothing is acknowledged', async () => {
    mock.on(BatchGetCommand).resolves({ Responses: { t: [] } });
    mock.on(BatchWriteCommand).resolves({ UnprocessedItems: { t: [{ PutRequest: { Item: toItem(ev(1), 90) } }] } });
    await assert.rejects(dynamoHotStore({ client: doc, table: 't', hotDays: 90, maxAttempts: 3 }).putNew([ev(1)]), /unprocessed after 3/);
  });
});
