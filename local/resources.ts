/**
 * Creates the collector's resources on the stand-ins, idempotently: the hot table (same keys,
 * indexes, stream and TTL as the CDK table), the archive bucket and the alert topic.
 */
import {
  CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException,
  UpdateTimeToLiveCommand, type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { TABLE_LAYOUT } from '../lambdas/adapters/table-layout.ts';

export async function ensureTable(client: DynamoDBClient, table: string): Promise<void> {
  const keys = new Set<string>([TABLE_LAYOUT.partitionKey, TABLE_LAYOUT.sortKey, ...TABLE_LAYOUT.indexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
  const indexes: GlobalSecondaryIndex[] = TABLE_LAYOUT.indexes.map((i) => ({
    IndexName: i.name,
    KeySchema: [{ AttributeName: i.partitionKey, KeyType: 'HASH' }, { AttributeName: i.sortKey, KeyType: 'RANGE' }],
    Projection: { ProjectionType: 'KEYS_ONLY' },
  }));
  try {
    await client.send(new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [...keys].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: [{ AttributeName: TABLE_LAYOUT.partitionKey, KeyType: 'HASH' }, { AttributeName: TABLE_LAYOUT.sortKey, KeyType: 'RANGE' }],
      GlobalSecondaryIndexes: indexes,
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }));
    await client.send(new UpdateTimeToLiveCommand({
      TableName: table,
      TimeToLiveSpecification: { Enabled: true, AttributeName: TABLE_LAYOUT.ttlAttribute },
    }));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await client.send(new DescribeTableCommand({ TableName: table }));
}

/** Whether a table exists (the previous layout's hot table, in an older `AUTHTRAIL_HOME`). */
export async function tableExists(client: DynamoDBClient, table: string): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table }));
    return true;
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return false;
    throw err;
  }
}

/** The state table: one `pk` string key and a TTL, like the CDK definition. */
export async function ensureStateTable(client: DynamoDBClient, table: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }));
    await client.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expires_at' } }));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
}

export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}
