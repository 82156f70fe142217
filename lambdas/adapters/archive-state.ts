/**
 * The archiver's bookkeeping in the state table: each tenant's digest-chain head (`digest-head#<tenant>`,
 * holding the newest digest's body until it is published to S3) and the commit records of
 * archived stream segments (`archive-commit#…`, kept three days: the stream keeps records for one).
 * A segment is committed with one transaction — every head it moves and its commit record — so a
 * crash leaves either all of it or none of it.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DigestRef } from '../core/digest.ts';
import { decodeCovered } from '../core/stream-commit.ts';

export interface DigestHead extends DigestRef {
  /** The digest's JSON, kept until it is in S3 (heads written before this field existed are published). */
  readonly body?: string | undefined;
  readonly published: boolean;
}

export interface SegmentCommit {
  /** The state-table key of the commit record. */
  readonly key: string;
  /** encodeCovered() of the segment's records. */
  readonly covered: Uint8Array;
  readonly heads: readonly { tenant: string; expected: DigestRef | null; next: DigestRef & { body: string } }[];
}

export interface ArchiveState {
  head(tenant: string): Promise<DigestHead | null>;
  /** The records a commit (or a pointer into one) covers, or null if there is none under `key`. */
  covered(key: string): Promise<string[] | null>;
  /** 'conflict' when another archiver moved a head first, or this segment is already committed. */
  commitSegment(c: SegmentCommit): Promise<'committed' | 'conflict'>;
  markPublished(tenant: string, sha256: string): Promise<void>;
  /** Records the rest of a committed segment under the key of its next record (see coveredAfter). */
  putPointer(key: string, covered: Uint8Array): Promise<void>;
}

export const headKey = (tenant: string) => `digest-head#${tenant}`;
const COMMIT_TTL_SECONDS = 3 * 86_400;

const isCancel = (err: unknown) => err instanceof TransactionCanceledException || (err as { name?: string }).name === 'TransactionCanceledException';
const isConditional = (err: unknown) => err instanceof ConditionalCheckFailedException || (err as { name?: string }).name === 'ConditionalCheckFailedException';

export function dynamoArchiveState(o: { client: DynamoDBDocumentClient; table: string; now?: () => number }): ArchiveState {
  const now = o.now ?? Date.now;
  const get = (pk: string) => o.client.send(new GetCommand({ TableName: o.table, Key: { pk }, ConsistentRead: true })).then((r) => r.Item);
  const expires = () => Math.floor(now() / 1000) + COMMIT_TTL_SECONDS;
  return {
    async head(tenant) {
      const it = await get(headKey(tenant));
      if (!it) return null;
      return { key: it['key'] as string, sha256: it['sha256'] as string, body: it['body'] as string | undefined, published: it['published'] !== false };
    },
    async covered(key) {
      const it = await get(key);
      return it ? decodeCovered(it['covered'] as Uint8Array) : null;
    },
    async commitSegment(c) {
      const updated = new Date(now()).toISOString();
      try {
        await o.client.send(new TransactWriteCommand({
          TransactItems: [
            ...c.heads.map((h) => ({
              Put: {
                TableName: o.table,
                Item: { pk: headKey(h.tenant), key: h.next.key, sha256: h.next.sha256, body: h.next.body, published: false, updated },
                ...(h.expected
                  ? { ConditionExpression: 'sha256 = :e', ExpressionAttributeValues: { ':e': h.expected.sha256 } }
                  : { ConditionExpression: 'attribute_not_exists(pk)' }),
              },
            })),
            { Put: { TableName: o.table, Item: { pk: c.key, covered: c.covered, updated, expires_at: expires() }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }));
        return 'committed';
      } catch (err) {
        if (isCancel(err)) return 'conflict';
        throw err;
      }
    },
    async markPublished(tenant, sha256) {
      try {
        await o.client.send(new UpdateCommand({
          TableName: o.table, Key: { pk: headKey(tenant) },
          UpdateExpression: 'SET published = :t REMOVE body', ConditionExpression: 'sha256 = :s',
          ExpressionAttributeValues: { ':t': true, ':s': sha256 },
        }));
      } catch (err) {
        // The head moved on: whoever moved it published this digest first.
        if (!isConditional(err)) throw err;
      }
    },
    async putPointer(key, covered) {
      await o.client.send(new PutCommand({ TableName: o.table, Item: { pk: key, covered, updated: new Date(now()).toISOString(), expires_at: expires() } }));
    },
  };
}

/** The same contract in memory, for unit tests and benchmarks. */
export function memoryArchiveState(): ArchiveState & { items: Map<string, Record<string, unknown>> } {
  const items = new Map<string, Record<string, unknown>>();
  return {
    items,
    async head(tenant) {
      const it = items.get(headKey(tenant));
      return it ? { key: it['key'] as string, sha256: it['sha256'] as string, body: it['body'] as string | undefined, published: it['published'] !== false } : null;
    },
    async covered(key) {
      const it = items.get(key);
      return it ? decodeCovered(it['covered'] as Uint8Array) : null;
    },
    async commitSegment(c) {
      if (items.has(c.key)) return 'conflict';
      for (const h of c.heads) if (((items.get(headKey(h.tenant))?.['sha256'] as string | undefined) ?? null) !== (h.expected?.sha256 ?? null)) return 'conflict';
      for (const h of c.heads) items.set(headKey(h.tenant), { key: h.next.key, sha256: h.next.sha256, body: h.next.body, published: false });
      items.set(c.key, { covered: c.covered });
      return 'committed';
    },
    async markPublished(tenant, sha256) {
      const it = items.get(headKey(tenant));
      if (it && it['sha256'] === sha256) items.set(headKey(tenant), { key: it['key'], sha256, published: true });
    },
    async putPointer(key, covered) { items.set(key, { covered }); },
  };
}
