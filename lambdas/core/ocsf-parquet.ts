/**
 * OCSF events → one Parquet object with real nested columns, written with hyparquet-writer (the
 * archive's writer, ~60 KB bundled) so the scheduled Security Lake exporter fits in a Lambda
 * bundle; DuckDB, which `authtrail export ocsf` writes with, is far too big for one.
 *
 * hyparquet-writer writes nested data when it is given an explicit Parquet schema: a struct is a
 * group element (`num_children`, no `type`), a list the three-level LIST group
 * (`list` REPEATED → `element`), a map the MAP group (`key_value` REPEATED → `key`, `value`); each
 * top-level column's data is then the nested JS values themselves (src/dremel.js computes the
 * repetition and definition levels). The schema is generated from `OCSF_PARQUET_COLUMNS` — the one
 * declaration of every class's columns, which the DuckDB export uses too — so both writers give
 * the same column tree, element names and types (a unit test reads both files back with DuckDB and
 * compares them column by column).
 */
import zlib from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { OCSF_PARQUET_COLUMNS, type OcsfClass, type OcsfEvent } from './ocsf.ts';

/** A column type of `OCSF_PARQUET_COLUMNS` (DuckDB type syntax), parsed. */
export type ColumnType =
  | { kind: 'leaf'; type: 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'BOOLEAN' | 'DOUBLE' }
  | { kind: 'struct'; fields: [string, ColumnType][] }
  | { kind: 'list'; element: ColumnType }
  | { kind: 'map'; key: ColumnType; value: ColumnType };

const LEAVES = new Set(['VARCHAR', 'INTEGER', 'BIGINT', 'BOOLEAN', 'DOUBLE']);

/** Parses the DuckDB type subset the OCSF columns use: leaves, `T[]`, `STRUCT(name T, "name" T …)`, `MAP(K, V)`. */
export function parseColumnType(text: string): ColumnType {
  let i = 0;
  const ws = () => { while (/\s/.test(text[i] ?? '')) i++; };
  const expect = (s: string) => {
    ws();
    if (!text.startsWith(s, i)) throw new Error(`column type "${text}": expected "${s}" at ${i}`);
    i += s.length;
  };
  const word = (): string => {
    ws();
    if (text[i] === '"') { const end = text.indexOf('"', i + 1); const w = text.slice(i + 1, end); i = end + 1; return w; }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (!m) throw new Error(`column type "${text}": expected a name at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const type = (): ColumnType => {
    const w = word().toUpperCase();
    let t: ColumnType;
    if (w === 'STRUCT') {
      expect('(');
      const fields: [string, ColumnType][] = [];
      for (;;) {
        const name = word();
        fields.push([name, type()]);
        ws();
        if (text[i] === ',') { i++; continue; }
        expect(')');
        break;
      }
      t = { kind: 'struct', fields };
    } else if (w === 'MAP') {
      expect('(');
      const key = type();
      expect(',');
      const value = type();
      expect(')');
      t = { kind: 'map', key, value };
    } else if (LEAVES.has(w)) {
      t = { kind: 'leaf', type: w as 'VARCHAR' };
    } else throw new Error(`column type "${text}": unsupported type ${w}`);
    ws();
    while (text.startsWith('[]', i)) { i += 2; t = { kind: 'list', element: t }; ws(); }
    return t;
  };
  const t = type();
  ws();
  if (i !== text.length) throw new Error(`column type "${text}": trailing text at ${i}`);
  return t;
}

/** A Parquet schema element as hyparquet-writer takes it. */
export interface SchemaElement {
  name: string;
  type?: 'BOOLEAN' | 'INT32' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';
  converted_type?: 'UTF8' | 'INT_32' | 'INT_64' | 'LIST' | 'MAP';
  repetition_type?: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  num_children?: number;
}

const PHYSICAL = { VARCHAR: 'BYTE_ARRAY', INTEGER: 'INT32', BIGINT: 'INT64', BOOLEAN: 'BOOLEAN', DOUBLE: 'DOUBLE' } as const;
/** The converted types DuckDB writes for its column types (readers then see the same logical types). */
const CONVERTED = { VARCHAR: 'UTF8', INTEGER: 'INT_32', BIGINT: 'INT_64' } as const;

/** The depth-first schema elements of one column, in the shape DuckDB writes (every field OPTIONAL; map keys REQUIRED). */
function elements(name: string, t: ColumnType, repetition: 'OPTIONAL' | 'REQUIRED' = 'OPTIONAL'): SchemaElement[] {
  switch (t.kind) {
    case 'leaf':
      return [{ name, type: PHYSICAL[t.type], repetition_type: repetition, ...(t.type in CONVERTED ? { converted_type: CONVERTED[t.type as keyof typeof CONVERTED] } : {}) }];
    case 'struct':
      return [{ name, repetition_type: repetition, num_children: t.fields.length }, ...t.fields.flatMap(([n, f]) => elements(n, f))];
    case 'list':
      return [
        { name, repetition_type: repetition, converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        ...elements('element', t.element),
      ];
    case 'map':
      return [
        { name, repetition_type: repetition, converted_type: 'MAP', num_children: 1 },
        { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
        ...elements('key', t.key, 'REQUIRED'),
        ...elements('value', t.value),
      ];
  }
}

export interface ClassSchema {
  readonly columns: readonly { name: string; type: ColumnType }[];
  readonly schema: SchemaElement[];
}

const cache = new Map<OcsfClass, ClassSchema>();

/** The parsed columns and the Parquet schema of one class (built once per class). */
export function ocsfParquetSchema(cls: OcsfClass): ClassSchema {
  let s = cache.get(cls);
  if (!s) {
    const columns = OCSF_PARQUET_COLUMNS[cls].map(([name, t]) => ({ name, type: parseColumnType(t) }));
    s = { columns, schema: [{ name: 'root', num_children: columns.length }, ...columns.flatMap((c) => elements(c.name, c.type))] };
    cache.set(cls, s);
  }
  return s;
}

/**
 * One value shaped to its column type: INT64 as bigint (hyparquet-writer's INT64 takes bigints),
 * maps as key/value entries, struct members the type does not declare left out (a value the
 * schema does not hold is an error: the declaration and the mapper must agree).
 */
function shape(v: unknown, t: ColumnType, path: string): unknown {
  if (v === undefined || v === null) return null;
  switch (t.kind) {
    case 'leaf':
      if (t.type === 'BIGINT') { if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${path}: expected an integer, got ${JSON.stringify(v)}`); return BigInt(v); }
      return v;
    case 'list':
      if (!Array.isArray(v)) throw new Error(`${path}: expected an array`);
      return v.map((x, i) => shape(x, t.element, `${path}[${i}]`));
    case 'map':
      return Object.entries(v as Record<string, unknown>).map(([key, value]) => ({ key, value: shape(value, t.value, `${path}.${key}`) }));
    case 'struct': {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!t.fields.some(([n]) => n === k)) throw new Error(`${path}.${k}: not a column of the class (add it to OCSF_PARQUET_COLUMNS)`);
      return Object.fromEntries(t.fields.map(([n, f]) => [n, shape(o[n], f, `${path}.${n}`)]));
    }
  }
}

type Zstd = { zstdCompressSync?: (b: Uint8Array) => Buffer };
const zstd = (zlib as unknown as Zstd).zstdCompressSync;

/** The codec: ZSTD where zlib has it (Node ≥ 22.15: every Lambda runtime authtrail deploys), GZIP otherwise. */
export const OCSF_PARQUET_CODEC: 'ZSTD' | 'GZIP' = zstd ? 'ZSTD' : 'GZIP';

/** Events of one class → one Parquet object, rows sorted by time (as the DuckDB export sorts them). */
export function ocsfToParquet(cls: OcsfClass, events: readonly OcsfEvent[]): Uint8Array {
  const { columns, schema } = ocsfParquetSchema(cls);
  const rows = [...events].sort((a, b) => a.time - b.time);
  const columnData = columns.map((c) => ({
    name: c.name,
    data: rows.map((e, i) => shape((e as unknown as Record<string, unknown>)[c.name], c.type, `event ${i} ${c.name}`)),
  }));
  for (const e of rows) {
    for (const k of Object.keys(e)) if (!columns.some((c) => c.name === k)) throw new Error(`${k}: not a column of class ${cls} (add it to OCSF_PARQUET_COLUMNS)`);
  }
  const buf = parquetWriteBuffer({
    columnData,
    schema: schema as never,
    codec: OCSF_PARQUET_CODEC,
    compressors: zstd ? { ZSTD: (b: Uint8Array) => zstd(b) } : { GZIP: (b: Uint8Array) => zlib.gzipSync(b) },
    rowGroupSize: 100_000,
    createdBy: 'authtrail',
  });
  return new Uint8Array(buf);
}
