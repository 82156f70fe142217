/**
 * The pseudonym vault (README, "Privacy"): per tenant and pseudonym, its clear value sealed with
 * the tenant's key (core/privacy.ts), in the state table under `pn#<tenant>#<pseudonym>`, without
 * expiry. Written by the intake before the events that carry the pseudonym; read only by
 * `authtrail reveal`; an entry is deleted by `authtrail erase`, after which nothing links the
 * pseudonym to a person.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const vaultKey = (tenant: string, pn: string) => `pn#${tenant}#${pn}`;

export interface PseudonymVault {
  /** Records sealed values; an entry already there is kept (the same pseudonym is the same value). */
  put(tenant: string, entries: ReadonlyMap<string, string>): Promise<void>;
  get(tenant: string, pn: string): Promise<string | null>;
  delete(tenant: string, pn: string): Promise<boolean>;
}

/** Entries this process wrote or found, so that a known pseudonym costs no write (bounded). */
const KNOWN_MAX = 100_000;

export function dynamoVault(o: { client: DynamoDBDocumentClient; table: string; now?: () => Date }): PseudonymVault {
  const known = new Set<string>();
  const now = o.now ?? (() => new Date());
  return {
    async put(tenant, entries) {
      await Promise.all([...entries].map(async ([pn, sealed]) => {
        const pk = vaultKey(tenant, pn);
        if (known.has(pk)) return;
        try {
          await o.client.send(new PutCommand({
            TableName: o.table,
            Item: { pk, sealed, first_seen: now().toISOString() },
            ConditionExpression: 'attribute_not_exists(pk)',
          }));
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException) && (err as Error).name !== 'ConditionalCheckFailedException') throw err;
        }
        if (known.size >= KNOWN_MAX) known.clear();
        known.add(pk);
      }));
    },
    async get(tenant, pn) {
      const r = await o.client.send(new GetCommand({ TableName: o.table, Key: { pk: vaultKey(tenant, pn) }, ConsistentRead: true }));
      return typeof r.Item?.['sealed'] === 'string' ? r.Item['sealed'] : null;
    },
    async delete(tenant, pn) {
      const r = await o.client.send(new DeleteCommand({ TableName: o.table, Key: { pk: vaultKey(tenant, pn) }, ReturnValues: 'ALL_OLD' }));
      known.delete(vaultKey(tenant, pn));
      return !!r.Attributes;
    },
  };
}
