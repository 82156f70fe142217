/**
 * The auditors' queries (`queries/*.sql`): header comments name the query, the audit question it
 * answers and its parameters with defaults (`-- param: from = 1970-01-01  description`). The
 * body uses `{{param}}` placeholders, filled with validated literals, so one file runs unchanged
 * in Athena (Trino) and DuckDB. A parameter whose description starts with `one of: a, b` takes
 * only those values (`-- param: granularity = day  one of: day, week; the length of a period`):
 * what SQL text it becomes is then fixed by the file, not by the caller.
 */
export interface QueryParam {
  readonly name: string;
  readonly default: string;
  readonly description: string;
  /** The only values allowed, when the header enumerates them (`one of: …`). */
  readonly choices?: readonly string[];
}
export interface NamedQuery { readonly name: string; readonly question: string; readonly params: readonly QueryParam[]; readonly sql: string }

export class QueryParamError extends Error {
  override name = 'QueryParamError';
}

export function parseNamedQuery(text: string, fileName: string): NamedQuery {
  const header = text.split('\n').filter((l) => l.startsWith('--')).map((l) => l.slice(2).trim());
  const field = (k: string) => header.find((l) => l.startsWith(`${k}:`))?.slice(k.length + 1).trim();
  const name = field('name');
  if (!name) throw new Error(`${fileName}: the header has no "-- name:" line`);
  const params = header.filter((l) => l.startsWith('param:')).map((l) => {
    const m = /^param:\s*(\w+)\s*=\s*(''|\S+)\s*(.*)$/.exec(l);
    if (!m) throw new Error(`${fileName}: cannot read "${l}"; expected "-- param: name = default  description"`);
    const param: QueryParam = { name: m[1]!, default: m[2] === "''" ? '' : m[2]!, description: m[3]!.trim() };
    const choices = parseChoices(param, fileName);
    return choices ? { ...param, choices } : param;
  });
  const sql = text.split('\n').filter((l) => !l.startsWith('--')).join('\n').trim();
  for (const [, p] of sql.matchAll(/\{\{(\w+)\}\}/g)) {
    if (!params.some((x) => x.name === p)) throw new Error(`${fileName}: {{${p}}} is used but not declared as a param`);
  }
  return { name, question: field('question') ?? '', params, sql };
}

const CHOICES = /^one of:\s*([^;]*?)\s*(?:;|$)/;
const CHOICE = /^[A-Za-z0-9_-]+$/;

function parseChoices(p: QueryParam, fileName: string): string[] | undefined {
  const m = CHOICES.exec(p.description);
  if (!m) return undefined;
  const choices = m[1]!.split(',').map((c) => c.trim());
  if (choices.some((c) => !CHOICE.test(c))) throw new Error(`${fileName}: param ${p.name}: "one of:" takes plain words separated by commas, not "${m[1]}"`);
  if (!choices.includes(p.default)) throw new Error(`${fileName}: param ${p.name}: its default "${p.default}" is not one of ${choices.join(', ')}`);
  return choices;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SAFE = /^[A-Za-z0-9@._:+\- ]{0,200}$/;

/** Fills the placeholders; dates must be dates, other values a conservative character set. */
export function renderNamedQuery(q: NamedQuery, given: Readonly<Record<string, string>> = {}): string {
  for (const k of Object.keys(given)) if (!q.params.some((p) => p.name === k)) throw new QueryParamError(`query ${q.name} has no parameter "${k}" (it takes: ${q.params.map((p) => p.name).join(', ')})`);
  const values = Object.fromEntries(q.params.map((p) => {
    const v = given[p.name] ?? p.default;
    if ((p.name === 'from' || p.name === 'to') && !DATE.test(v)) throw new QueryParamError(`--param ${p.name}=${v}: expected a date YYYY-MM-DD`);
    if (p.choices && !p.choices.includes(v)) throw new QueryParamError(`--param ${p.name}=${v}: expected one of ${p.choices.join(', ')}`);
    if (!SAFE.test(v)) throw new QueryParamError(`--param ${p.name}: only letters, digits, spaces and @ . _ : + - are allowed`);
    return [p.name, v];
  }));
  // A given tenant becomes a plain partition predicate (`tenant = 'acme'`), not an expression the
  // engine must fold first: a tenant's auditor may read only that tenant's prefix, so the query
  // must prune to it by construction.
  const sql = values['tenant'] ? q.sql.replace(TENANT_FILTER, 'tenant = \'{{tenant}}\'') : q.sql;
  return sql.replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k]!);
}

const TENANT_FILTER = /\('\{\{tenant\}\}' = '' OR tenant = '\{\{tenant\}\}'\)/g;
