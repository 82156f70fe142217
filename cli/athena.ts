/**
 * `authtrail query --athena`: the same SQL through Athena, in the `authtrail` workgroup whose
 * enforced settings (result location, encryption, bytes-scanned cutoff) apply.
 */
import {
  AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';

export interface AthenaOptions {
  readonly client: AthenaClient;
  readonly workGroup?: string;
  readonly database?: string;
  readonly pollMs?: number;
  readonly timeoutMs?: number;
}

export class AthenaQueryError extends Error {
  override name = 'AthenaQueryError';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runAthena(sql: string, o: AthenaOptions): Promise<Record<string, string | null>[]> {
  const start = await o.client.send(new StartQueryExecutionCommand({
    QueryString: sql,
    WorkGroup: o.workGroup ?? 'authtrail',
    QueryExecutionContext: { Database: o.database ?? 'authtrail' },
  }));
  const id = start.QueryExecutionId;
  if (!id) throw new AthenaQueryError('Athena returned no query execution id');
  const deadline = Date.now() + (o.timeoutMs ?? 15 * 60_000);
  for (let wait = o.pollMs ?? 500; ; wait = Math.min(wait * 2, 5_000)) {
    const q = await o.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = q.QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state === 'FAILED' || state === 'CANCELLED') throw new AthenaQueryError(`Athena query ${id} ${state}: ${q.QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`);
    if (Date.now() > deadline) throw new AthenaQueryError(`Athena query ${id} still ${state} after the timeout`);
    await sleep(wait);
  }
  const rows: Record<string, string | null>[] = [];
  let header: string[] | undefined;
  let token: string | undefined;
  do {
    const page = await o.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
    const cols = page.ResultSet?.ResultSetMetadata?.ColumnInfo?.map((c) => c.Name ?? '') ?? [];
    for (const r of page.ResultSet?.Rows ?? []) {
      const values = (r.Data ?? []).map((d) => d.VarCharValue ?? null);
      // The first row of the first page repeats the column names.
      if (!header) { header = cols.length ? cols : values.map(String); if (values.join('\u0000') === header.join('\u0000')) continue; }
      rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] ?? null])));
    }
    token = page.NextToken;
  } while (token);
  return rows;
}
