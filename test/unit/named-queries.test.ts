import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { parseNamedQuery, QueryParamError, renderNamedQuery } from '../../lambdas/core/named-queries.ts';
import { loadNamedQueries } from '../../infra/queries.ts';
import { runAthena } from '../../cli/athena.ts';
import { parseQueryArgs } from '../../cli/query.ts';

describe('named queries', () => {
  it('every shipped query has a name, a question and from/to/tenant parameters (first, in that order)', () => {
    const qs = loadNamedQueries();
    assert.ok(qs.length >= 16);
    for (const q of qs) {
      assert.ok(q.question.length > 20, q.name);
      assert.deepEqual(q.params.slice(0, 3).map((p) => p.name), ['tenant', 'from', 'to'], q.name);
      assert.doesNotMatch(renderNamedQuery(q), /\{\{/);
    }
    // Parameters beyond the three are filters or choices whose default leaves the answer whole.
    const extra = Object.fromEntries(qs.map((q) => [q.name, q.params.slice(3).map((p) => `${p.name}=${p.default}`)]).filter(([, p]) => p!.length));
    assert.deepEqual(extra, { app_access: ['app=', 'user='], failed_signins_over_time: ['granularity=day'], mfa_adherence: ['app='] });
  });
  it('the README\'s table of auditor queries lists exactly the shipped ones', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Auditor queries'), readme.indexOf('**How MFA coverage is counted.**'));
    const listed = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    assert.deepEqual(listed.sort(), loadNamedQueries().map((q) => q.name).sort());
  });
  it('a parameter whose description starts with "one of:" takes only those values', () => {
    const q = parseNamedQuery("-- name: t\n-- param: unit = day  one of: day, week; the period\n-- param: x = a  one of: a,b\nSELECT date_trunc('{{unit}}', t), '{{x}}'", 't.sql');
    assert.deepEqual(q.params.map((p) => [p.name, p.choices, p.description]), [['unit', ['day', 'week'], 'one of: day, week; the period'], ['x', ['a', 'b'], 'one of: a,b']]);
    assert.equal(renderNamedQuery(q), "SELECT date_trunc('day', t), 'a'");
    assert.equal(renderNamedQuery(q, { unit: 'week', x: 'b' }), "SELECT date_trunc('week', t), 'b'");
    assert.throws(() => renderNamedQuery(q, { unit: 'month' }), (e: Error) => e instanceof QueryParamError && e.message === '--param unit=month: expected one of day, week');
    assert.throws(() => renderNamedQuery(q, { unit: 'Week' }), QueryParamError);
    assert.throws(() => renderNamedQuery(q, { unit: '' }), QueryParamError);
    // Free parameters stay free; a header with a bad list or a default outside it is refused.
    assert.equal(parseNamedQuery("-- name: t\n-- param: app = ''  one application\nSELECT '{{app}}'", 't.sql').params[0]!.choices, undefined);
    assert.throws(() => parseNamedQuery('-- name: t\n-- param: unit = month  one of: day, week\nSELECT 1', 't.sql'), /t\.sql: param unit: its default "month" is not one of day, week/);
    assert.throws(() => parseNamedQuery("-- name: t\n-- param: unit = day  one of: day, it's\nSELECT 1", 't.sql'), /plain words/);
  });
  it('a given tenant is a plain partition predicate in every shipped query (a tenant auditor may read only its prefix)', () => {
    for (const q of loadNamedQueries()) {
      const sql = renderNamedQuery(q, { tenant: 'acme' });
      assert.match(sql, /\btenant = 'acme'/, q.name);
      assert.doesNotMatch(sql, /'acme' = ''|OR tenant =/, `${q.name}: no expression left for the engine to fold`);
      assert.match(renderNamedQuery(q), /'' = '' OR tenant = ''/, `${q.name}: without a tenant, every tenant`);
    }
  });
  it('uses only SQL that Athena (Trino) runs too: no DuckDB-only syntax', () => {
    // DuckDB runs them in tests; Athena only in AWS. These are DuckDB extensions Trino rejects.
    const duckdbOnly: [RegExp, string][] = [
      [/::/, ':: casts (use CAST)'], [/\bQUALIFY\b/i, 'QUALIFY'], [/\bILIKE\b/i, 'ILIKE'], [/\bFILTER\s*\(\s*WHERE\b/i, 'aggregate FILTER'],
      [/\bEXCLUDE\s*\(/i, 'SELECT * EXCLUDE'], [/\/\//, '// integer division'], [/\b(strftime|epoch_ms|list_\w+|struct_pack|ifnull)\s*\(/i, 'a DuckDB function'],
      [/\bGROUP\s+BY\s+ALL\b/i, 'GROUP BY ALL'], [/\bORDER\s+BY\s+ALL\b/i, 'ORDER BY ALL'],
    ];
    for (const q of loadNamedQueries()) {
      for (const [re, what] of duckdbOnly) assert.doesNotMatch(q.sql, re, `${q.name} uses ${what}`);
      // Trino fails a decimal division by zero where DuckDB returns NULL: every percentage guards its denominator.
      for (const m of q.sql.matchAll(/100\.0 \*[^,]*?\/\s*([^,\n]+)/g)) assert.match(m[1]!, /^nullif\(/, `${q.name}: divide by nullif(…, 0)`);
    }
  });
  it('fills parameters with validated literals only', () => {
    const q = parseNamedQuery("-- name: t\n-- param: from = 1970-01-01 first day\n-- param: tenant = '' tenant\nSELECT 1 WHERE dt >= '{{from}}' AND '{{tenant}}' = ''", 't.sql');
    assert.equal(renderNamedQuery(q, { from: '2026-11-01' }), "SELECT 1 WHERE dt >= '2026-11-01' AND '' = ''");
    assert.throws(() => renderNamedQuery(q, { from: "2026-11-01' OR '1'='1" }), QueryParamError);
    assert.throws(() => renderNamedQuery(q, { tenant: "x' OR 1=1 --" }), QueryParamError);
    assert.throws(() => renderNamedQuery(q, { nope: 'x' }), /has no parameter "nope"/);
  });
  it('refuses a placeholder without a declared parameter', () => {
    assert.throws(() => parseNamedQuery('-- name: t\nSELECT {{x}}', 't.sql'), /\{\{x\}\} is used but not declared/);
  });
  it('reads the command line', () => {
    assert.deepEqual(parseQueryArgs(['--named', 'lockouts', '--param', 'tenant=acme', '--json']), { sql: undefined, named: 'lockouts', json: true, athena: false, params: { tenant: 'acme' }, outputs: undefined });
    assert.throws(() => parseQueryArgs(['select 1', '--named', 'x']), /either/);
    assert.throws(() => parseQueryArgs(['select 1', '--param', 'a=b']), /--param goes with --named/);
  });
});

describe('query --athena', () => {
  const athena = new AthenaClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(athena);

  it('runs in the authtrail workgroup and database, waits, and pages through the results', async () => {
    mock.reset();
    mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    mock.on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
    const cols = { ColumnInfo: [{ Name: 'tenant', Type: 'varchar' }, { Name: 'n', Type: 'bigint' }] };
    mock.on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: undefined }).resolves({
      ResultSet: { ResultSetMetadata: cols, Rows: [{ Data: [{ VarCharValue: 'tenant' }, { VarCharValue: 'n' }] }, { Data: [{ VarCharValue: 'acme' }, { VarCharValue: '3' }] }] }, NextToken: 'p2',
    });
    mock.on(GetQueryResultsCommand, { QueryExecutionId: 'q-1', NextToken: 'p2' }).resolves({
      ResultSet: { ResultSetMetadata: cols, Rows: [{ Data: [{ VarCharValue: 'globex' }, {}] }] },
    });
    const rows = await runAthena('SELECT tenant, count(*) n FROM events GROUP BY 1', { client: athena, pollMs: 1 });
    assert.deepEqual(rows, [{ tenant: 'acme', n: '3' }, { tenant: 'globex', n: null }]);
    const start = mock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    assert.deepEqual([start.WorkGroup, start.QueryExecutionContext?.Database], ['authtrail', 'authtrail']);
  });

  it('reports a failed query with Athena\'s reason', async () => {
    mock.reset();
    mock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-2' });
    mock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'FAILED', StateChangeReason: 'Query exhausted bytes scanned limit' } } });
    await assert.rejects(runAthena('SELECT 1', { client: athena, pollMs: 1 }), /FAILED: Query exhausted bytes scanned limit/);
  });
});
