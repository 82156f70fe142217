import { describe, it, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, TransactionCanceledException, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoArchiveState } from '../../lambdas/adapters/archive-state.ts';
import { encodeCovered } from '../../lambdas/core/stream-commit.ts';

const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const mock = mockClient(doc);
const state = dynamoArchiveState({ client: doc, table: 'state', now: () => Date.UTC(2026, 10, 28) });
const commit = {
  key: 'archive-commit#s#100#abcd',
  covered: encodeCovered(['100 abcd', '107 ef01']),
  heads: [{ tenant: 'acme', expected: { key: 'digests/a.json', sha256: 'aa' }, next: { key: 'digests/b.json', sha256: 'bb', body: '{}' } },
    { tenant: 'globex', expected: null, next: { key: 'digests/c.json', sha256: 'cc', body: '{}' } }],
};

describe('archive state on DynamoDB', () => {
  beforeEach(() => mock.reset());

  it('commits a segment as one transaction: every head conditioned on its previous digest, the commit record on its absence', async () => {
    mock.on(TransactWriteCommand).resolves({});
    assert.equal(await state.commitSegment(commit), 'committed');
    const items = mock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    assert.equal(items.length, 3);
    assert.equal(items[0]!.Put!.ConditionExpression, 'sha256 = :e');
    assert.deepEqual(items[0]!.Put!.ExpressionAttributeValues, { ':e': 'aa' });
    assert.equal(items[0]!.Put!.Item!['published'], false);
    assert.equal(items[1]!.Put!.ConditionExpression, 'attribute_not_exists(pk)');
    assert.equal(items[2]!.Put!.Item!['pk'], commit.key);
    assert.equal(items[2]!.Put!.ConditionExpression, 'attribute_not_exists(pk)');
    assert.equal(items[2]!.Put!.Item!['expires_at'], Date.UTC(2026, 10, 28) / 1000 + 3 * 86_400, 'commit records outlive the 24 h stream by two days');
  });

  it('a cancelled transaction is a conflict, any other error is thrown', async () => {
    mock.on(TransactWriteCommand).rejectsOnce(new TransactionCanceledException({ message: 'Transaction cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }))
      .rejectsOnce(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    assert.equal(await state.commitSegment(commit), 'conflict');
    await assert.rejects(state.commitSegment(commit), /socket hang up/);
  });

  it('reads heads written before digests were kept in them as published, and decodes commit records', async () => {
    mock.on(GetCommand, { Key: { pk: 'digest-head#acme' } }).resolves({ Item: { pk: 'digest-head#acme', key: 'digests/a.json', sha256: 'aa' } });
    mock.on(GetCommand, { Key: { pk: commit.key } }).resolves({ Item: { pk: commit.key, covered: commit.covered } });
    assert.deepEqual(await state.head('acme'), { key: 'digests/a.json', sha256: 'aa', body: undefined, published: true });
    assert.deepEqual(await state.covered(commit.key), ['100 abcd', '107 ef01']);
  });

  it('marking a digest published tolerates a head that moved on', async () => {
    mock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'no', $metadata: {} }));
    await state.markPublished('acme', 'aa');
    mock.on(UpdateCommand).rejects(new Error('throttled'));
    await assert.rejects(state.markPublished('acme', 'aa'), /throttled/);
  });
});
