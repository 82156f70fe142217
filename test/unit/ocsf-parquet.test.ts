/**
 * The Lambda-sized OCSF Parquet writer (hyparquet-writer, lambdas/core/ocsf-parquet.ts) against
 * the export's DuckDB writer (cli/export.ts): the same mapped events written by both and read back
 * with DuckDB give the same Parquet schema tree, the same DuckDB column types and the same values,
 * column by column; every row read back is valid OCSF 1.3.0; every column is an attribute of the
 * class (or of its objects) in the OCSF schema subset, with the Parquet type its OCSF type has.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { canonical, CATEGORIES, CHANGES, FACTORS, OUTCOMES, SOURCE_KINDS, type AuthEvent, type NormalizedFields } from '../../lambdas/core/event.ts';
import { OCSF_CLASSES, OCSF_PARQUET_COLUMNS, toOcsf, type OcsfClass, type OcsfEvent } from '../../lambdas/core/ocsf.ts';
import { ocsfParquetSchema, ocsfToParquet, parseColumnType, type ColumnType } from '../../lambdas/core/ocsf-parquet.ts';
import { writeOcsfParquet } from '../../cli/export.ts';
import { runSql } from '../../local/archive-db.ts';
import { normalizedFixtureEvents } from '../helpers/fixtures.ts';
import { loadOcsfSubset, validateOcsf } from '../helpers/ocsf-validate.ts';

const subset = loadOcsfSubset();
const CLASSES = Object.keys(OCSF_CLASSES) as OcsfClass[];

/** Every vendor fixture event, OCSF-mapped, plus hand-made events that fill the rarely set attributes. */
const FIXTURE_EVENTS = await normalizedFixtureEvents();

function mappedEvents(): { class: OcsfClass; event: OcsfEvent }[] {
  const out: AuthEvent[] = FIXTURE_EVENTS.map((x) => x.event);
  const ev = (p: Partial<NormalizedFields>): AuthEvent => ({
    tenant: 'acme', source_id: 'acme-app', source: 'generic', ingest_time: '2026-11-20T10:15:31.000Z',
    ...canonical({ event_uid: `h-${out.length}`, event_time: '2026-11-20T10:15:30.123Z', raw_event_type: 'x.y', user_id: 'u1', user_login: 'alice@example.com', ...p }),
  });
  out.push(
    ev({ category: 'login', outcome: 'failure', reason: 'bad', is_mfa: false, src_ip: '2001:db8::1', geo_country: 'DE', geo_city: 'Berlin', geo_lat: 52.5, geo_lon: 13.4, device_id: 'd1', device_name: 'pc', os: 'Windows 11', user_agent: 'UA', session_id: 's1', correlation_id: 'c1', actor_login: 'admin', app_id: 'a', app_name: 'App' }),
    ev({ category: 'admin', change: 'grant', target_type: 'policy', target_id: 'p1', target_name: 'Strict' }),
    ev({ category: 'role_change', change: 'grant', target_name: 'Super Admin' }),
    ev({ category: 'admin', change: 'revoke', target_type: 'group', target_id: 'g1', target_name: 'Finance' }),
    ev({ category: 'policy_change', change: 'update', target_type: 'policy', target_id: 'p2', target_name: 'MFA', user_id: null, user_login: null }),
    ev({ category: 'idp_change', change: 'create', target_type: 'device', target_id: 'dv', target_name: 'Token', user_id: null, user_login: null }),
    ev({ category: 'admin', change: 'deactivate', target_type: 'organization', target_id: 'o', target_name: 'Org', user_id: null, user_login: null }),
    ev({ category: 'admin', change: 'update', target_type: 'group', target_id: 'g2', target_name: 'Ops', user_id: null, user_login: null }),
  );
  return out.map(toOcsf).flatMap((r) => (r.kind === 'event' ? [{ class: r.class, event: r.event }] : []));
}

/** DuckDB's JSON of a row without nulls: what the event was (maps come back as objects). */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, stripNulls(x)]));
  return v;
}

describe('the OCSF column declarations parse into a column tree', () => {
  it('leaves, lists, structs with quoted names, maps', () => {
    assert.deepEqual(parseColumnType('VARCHAR[]'), { kind: 'list', element: { kind: 'leaf', type: 'VARCHAR' } });
    assert.deepEqual(parseColumnType('STRUCT("user" STRUCT(uid VARCHAR), n BIGINT)'), { kind: 'struct', fields: [['user', { kind: 'struct', fields: [['uid', { kind: 'leaf', type: 'VARCHAR' }]] }], ['n', { kind: 'leaf', type: 'BIGINT' }]] });
    assert.deepEqual(parseColumnType('MAP(VARCHAR, VARCHAR)'), { kind: 'map', key: { kind: 'leaf', type: 'VARCHAR' }, value: { kind: 'leaf', type: 'VARCHAR' } });
  });
  it('refuses what it does not know, rather than guessing', () => {
    assert.throws(() => parseColumnType('HUGEINT'), /unsupported type HUGEINT/);
    assert.throws(() => parseColumnType('STRUCT(a VARCHAR'), /expected "\)"/);
    assert.throws(() => parseColumnType('VARCHAR x'), /trailing text/);
  });
  it('every class\'s declaration parses', () => {
    for (const cls of CLASSES) assert.equal(ocsfParquetSchema(cls).columns.length, OCSF_PARQUET_COLUMNS[cls].length, cls);
  });
});

describe('every column is an OCSF attribute with its OCSF type', () => {
  // OCSF base types → the DuckDB / Parquet leaf that holds them (timestamp_t is epoch milliseconds).
  const LEAF: Record<string, string> = { string_t: 'VARCHAR', integer_t: 'INTEGER', long_t: 'BIGINT', timestamp_t: 'BIGINT', boolean_t: 'BOOLEAN', float_t: 'DOUBLE' };
  const baseOf = (t: string) => {
    let b = t;
    for (let i = 0; i < 4 && subset.types[b]?.base && subset.types[b]!.base !== b; i++) b = subset.types[b]!.base;
    return b;
  };
  function walk(cls: string, attrs: Record<string, { type: string; is_array?: boolean }>, fields: [string, ColumnType][], path: string, errors: string[]) {
    for (const [name, t] of fields) {
      const a = attrs[name];
      if (!a) { errors.push(`${cls} ${path}${name}: not an OCSF attribute here`); continue; }
      let col = t;
      if (a.is_array) { if (col.kind !== 'list') { errors.push(`${path}${name}: OCSF array, column is not a list`); continue; } col = col.element; }
      const obj = subset.objects[a.type];
      if (obj) {
        if (col.kind !== 'struct') { errors.push(`${path}${name}: OCSF object ${a.type}, column is not a struct`); continue; }
        walk(cls, obj.attributes, col.fields, `${path}${name}.`, errors);
        continue;
      }
      // `unmapped` is OCSF's free-form `object`: a string map holds what authtrail puts there.
      const want = a.type === 'object' ? 'MAP' : LEAF[baseOf(a.type)];
      const got = col.kind === 'leaf' ? col.type : col.kind === 'map' ? 'MAP' : col.kind;
      if (want !== got) errors.push(`${path}${name}: OCSF ${a.type} (${baseOf(a.type)}) wants ${want}, the column is ${got}`);
    }
  }
  for (const cls of CLASSES) {
    it(cls, () => {
      const errors: string[] = [];
      walk(cls, subset.classes[cls]!.attributes, ocsfParquetSchema(cls).columns.map((c) => [c.name, c.type]), '', errors);
      assert.deepEqual(errors, []);
    });
  }
});

describe('hyparquet-writer nested output ≡ the DuckDB export, read back with DuckDB', () => {
  let dir: string;
  let db: DuckDBInstance;
  let c: DuckDBConnection;
  const events = mappedEvents();
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocsf-pq-'));
    db = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    c = await db.connect();
  });
  after(() => { c.closeSync(); db.closeSync(); rmSync(dir, { recursive: true, force: true }); });

  it('the fixtures cover every class', () => assert.deepEqual([...new Set(events.map((e) => e.class))].sort(), [...CLASSES].sort()));

  for (const cls of CLASSES) {
    it(`${cls}: same schema tree, same column types, same values, every row valid`, async () => {
      const mine = events.filter((e) => e.class === cls);
      // The DuckDB export splits by event day; all of a class into one file here, as a day of the exporter holds.
      const duck = await writeOcsfParquet(mine.map((e) => ({ ...e, event: { ...e.event, time: Date.parse('2026-11-20T12:00:00Z') + (e.event.time % 1000) } })), { outDir: join(dir, 'duck'), region: 'eu-west-1', accountId: '123456789012', tenant: 'acme' });
      assert.equal(duck.length, 1);
      const same = mine.map((e) => ({ ...e.event, time: Date.parse('2026-11-20T12:00:00Z') + (e.event.time % 1000) }));
      const ours = join(dir, `${cls}.parquet`);
      writeFileSync(ours, ocsfToParquet(cls, same));
      const theirs = join(dir, 'duck', duck[0]!.key);

      const schema = async (f: string) => (await runSql(c, `SELECT name, type, converted_type, repetition_type, num_children FROM parquet_schema('${f}')`)).slice(1);
      assert.deepEqual(await schema(ours), await schema(theirs), 'Parquet schema elements (after the root)');
      const types = async (f: string) => runSql(c, `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${f}', hive_partitioning = false))`);
      assert.deepEqual(await types(ours), await types(theirs), 'DuckDB column types');

      for (const [col] of OCSF_PARQUET_COLUMNS[cls]) {
        const q = (f: string) => runSql(c, `SELECT metadata.log_name || '#' || metadata.uid AS k, to_json("${col}") AS v FROM read_parquet('${f}', hive_partitioning = false) ORDER BY k`);
        assert.deepEqual(await q(ours), await q(theirs), `column ${col}`);
      }
      const rows = await runSql(c, `SELECT to_json(t) AS j FROM read_parquet('${ours}') t ORDER BY time`);
      assert.equal(rows.length, mine.length);
      for (const r of rows) {
        const e = stripNulls(JSON.parse(String(r['j']))) as Record<string, unknown>;
        assert.deepEqual(validateOcsf(subset, e), [], JSON.stringify(e));
      }
      const times = rows.map((r) => (JSON.parse(String(r['j'])) as { time: number }).time);
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
    });
  }

  it('random canonical events (fast-check, fixed seed): both writers give the same values in every column', async () => {
    const str = fc.option(fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('user', 'group', 'policy', 'role', 'device', 'organization', 'alice@example.com', '198.51.100.7', '2001:db8::1')), { nil: null });
    const event = fc.record({
      tenant: fc.constant('acme'), source_id: fc.constantFrom('acme-a', 'acme-b'), source: fc.constantFrom(...SOURCE_KINDS), event_uid: fc.uuid(),
      event_time: fc.integer({ min: Date.parse('2026-11-20T00:00:00Z'), max: Date.parse('2026-11-20T23:59:59Z') }).map((t) => new Date(t).toISOString()),
      ingest_time: fc.constant('2026-11-21T00:00:00.000Z'), raw_event_type: str, category: fc.option(fc.constantFrom(...CATEGORIES), { nil: null }),
      outcome: fc.option(fc.constantFrom(...OUTCOMES), { nil: null }), reason: str, is_mfa: fc.option(fc.boolean(), { nil: null }),
      factor: fc.option(fc.constantFrom(...FACTORS), { nil: null }), factor_raw: str, user_id: str, user_login: str, user_email: str,
      actor_id: str, actor_login: str, src_ip: str, user_agent: str, os: str, browser: str, device_id: str, device_name: str,
      geo_country: fc.option(fc.constantFrom('DE', 'US'), { nil: null }), geo_region: str, geo_city: str,
      geo_lat: fc.option(fc.double({ min: -90, max: 90, noNaN: true, noDefaultInfinity: true }), { nil: null }), geo_lon: fc.option(fc.double({ min: -180, max: 180, noNaN: true, noDefaultInfinity: true }), { nil: null }),
      session_id: str, correlation_id: str, app_id: str, app_name: str, risk_level: str, target_type: str, target_id: str, target_name: str,
      change: fc.option(fc.constantFrom(...CHANGES), { nil: null }), anonymizer: fc.option(fc.boolean(), { nil: null }), raw: fc.constant(null),
    });
    const random = fc.sample(event, { numRuns: 300, seed: 1212 }).map((e) => toOcsf(e as AuthEvent)).flatMap((r) => (r.kind === 'event' ? [{ class: r.class, event: r.event }] : []));
    const out = join(dir, 'fuzz');
    const duck = await writeOcsfParquet(random, { outDir: out, region: 'eu-west-1', accountId: '123456789012', tenant: 'acme' });
    assert.equal(duck.length, new Set(random.map((e) => e.class)).size);
    for (const f of duck) {
      const mine = join(out, `${f.class}.mine.parquet`);
      writeFileSync(mine, ocsfToParquet(f.class, random.filter((e) => e.class === f.class).map((e) => e.event)));
      for (const [col] of OCSF_PARQUET_COLUMNS[f.class]) {
        const q = (file: string) => runSql(c, `SELECT metadata.uid AS k, to_json("${col}") AS v FROM read_parquet('${file}', hive_partitioning = false) ORDER BY k`);
        assert.deepEqual(await q(mine), await q(join(out, f.key)), `${f.class} column ${col}`);
      }
    }
  });

  it('refuses an attribute the class\'s columns do not declare (the mapper and the declaration must agree)', () => {
    const e = events.find((x) => x.class === 'authentication')!.event;
    assert.throws(() => ocsfToParquet('authentication', [{ ...e, privileges: ['x'] }]), /privileges: not a column of class authentication/);
    assert.throws(() => ocsfToParquet('authentication', [{ ...e, user: { uid: 'u', nick: 'n' } as never }]), /user\.nick: not a column/);
  });
  it('writes an empty class without failing (zero rows, the class\'s schema)', async () => {
    const f = join(dir, 'empty.parquet');
    writeFileSync(f, ocsfToParquet('group_management', []));
    assert.deepEqual(await runSql(c, `SELECT count(*)::INT AS n FROM read_parquet('${f}', hive_partitioning = false)`), [{ n: 0 }]);
  });
});
