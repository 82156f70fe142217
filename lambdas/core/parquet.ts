/**
 * Canonical events → one Parquet file (hyparquet-writer: ~60 KB bundled, the fastest of the
 * writers measured). ZSTD where the runtime's zlib has it (Node ≥ 22.15, every Lambda runtime
 * authtrail deploys), GZIP otherwise; Athena and DuckDB read both.
 */
import zlib from 'node:zlib';
import { ByteWriter, ParquetWriter, parquetWriteBuffer, schemaFromColumnData, type Writer } from 'hyparquet-writer';
import { writeIndexes } from 'hyparquet-writer/src/indexes.js';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { parquetReadObjects, type FileMetaData } from 'hyparquet';
import { ARCHIVE_COLUMNS } from './archive.ts';
import type { AuthEvent } from './event.ts';
import type { Alert } from './detect/engine.ts';

type Zstd = { zstdCompressSync?: (b: Uint8Array) => Buffer };
const zstd = (zlib as unknown as Zstd).zstdCompressSync;

export const PARQUET_CODEC: 'ZSTD' | 'GZIP' = zstd ? 'ZSTD' : 'GZIP';

const COMPRESSORS = zstd ? { ZSTD: (b: Uint8Array) => zstd(b) } : { GZIP: (b: Uint8Array) => zlib.gzipSync(b) };

/** The archive's columns of `rows`, as the writer takes them (timestamps as Dates). */
function archiveColumnData(rows: readonly AuthEvent[]) {
  return ARCHIVE_COLUMNS.map(({ name, type }) => ({
    name,
    type,
    data: rows.map((e) => {
      const v = e[name];
      return type === 'TIMESTAMP' && typeof v === 'string' ? new Date(v) : v;
    }),
  }));
}

export function eventsToParquet(events: readonly AuthEvent[]): Uint8Array {
  // Time order makes min/max statistics tight and compresses better.
  const rows = [...events].sort((a, b) => (a.event_time < b.event_time ? -1 : a.event_time > b.event_time ? 1 : 0));
  const buf = parquetWriteBuffer({
    columnData: archiveColumnData(rows),
    codec: PARQUET_CODEC,
    compressors: COMPRESSORS,
    rowGroupSize: 100_000,
    createdBy: 'authtrail',
  });
  return new Uint8Array(buf);
}

/**
 * An archive object written row group by row group into `writer` (the compactor's streaming
 * merge): the same schema, codec and encodings as eventsToParquet, one row group per `write`,
 * rows written as given (already in order). `write` resolves once `writer.flush` (called after
 * each row group) has; `finish` writes the footer.
 */
export function archiveParquetStream(writer: Writer) {
  const schema = schemaFromColumnData({ columnData: archiveColumnData([]) });
  const pq = new ParquetWriter({ writer, schema, codec: PARQUET_CODEC, compressors: COMPRESSORS, createdBy: 'authtrail' });
  return {
    write: async (rows: readonly AuthEvent[]) => {
      if (!rows.length) return;
      await pq.write({ columnData: archiveColumnData(rows).map(({ name, data }) => ({ name, data })), rowGroupSize: rows.length });
    },
    /** The bytes `finish` would add now (page indexes, metadata, closing magic): serialized aside, as finish will. */
    footerBytes: () => {
      const scratch = new ByteWriter();
      scratch.offset = writer.offset;
      writeIndexes(scratch, pq.pendingIndexes);
      const metadata = { version: 2, created_by: 'authtrail', schema, num_rows: pq.num_rows, row_groups: pq.row_groups } as unknown as FileMetaData;
      writeMetadata(scratch, metadata);
      return scratch.offset - writer.offset + 4;
    },
    finish: async () => { await pq.finish(); },
  };
}

/**
 * Alerts → one Parquet file with the `alerts` table's columns (CONTRACT §6): `event_uids` as a
 * three-level LIST of strings, which Athena reads as array<string> and DuckDB as VARCHAR[].
 */
export function alertsToParquet(alerts: readonly Alert[]): Uint8Array {
  const str = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }) as const;
  const time = (name: string) => ({ name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type: 'REQUIRED' }) as const;
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'alert_id', data: alerts.map((a) => a.alert_id) },
      { name: 'rule', data: alerts.map((a) => a.rule) },
      { name: 'severity', data: alerts.map((a) => a.severity) },
      { name: 'user', data: alerts.map((a) => a.user) },
      { name: 'first_event_time', data: alerts.map((a) => new Date(a.first_event_time)) },
      { name: 'last_event_time', data: alerts.map((a) => new Date(a.last_event_time)) },
      { name: 'count', data: alerts.map((a) => BigInt(a.count)) },
      { name: 'summary', data: alerts.map((a) => a.summary) },
      { name: 'event_uids', data: alerts.map((a) => a.event_uids) },
    ],
    schema: [
      { name: 'root', num_children: 9 },
      str('alert_id'), str('rule'), str('severity'), str('user'), time('first_event_time'), time('last_event_time'),
      { name: 'count', type: 'INT64', repetition_type: 'REQUIRED' },
      str('summary'),
      { name: 'event_uids', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      str('element'),
    ],
    codec: PARQUET_CODEC,
    compressors: COMPRESSORS,
    createdBy: 'authtrail',
  });
  return new Uint8Array(buf);
}

type ZstdDecompress = { zstdDecompressSync?: (b: Uint8Array) => Buffer };
const zstdDecompress = (zlib as unknown as ZstdDecompress).zstdDecompressSync;

/** The codecs archive objects are written with (above): ZSTD where zlib has it, GZIP otherwise. */
export const ARCHIVE_DECOMPRESSORS = {
  GZIP: (input: Uint8Array) => new Uint8Array(zlib.gunzipSync(input)),
  ...(zstdDecompress ? { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompress(input)) } : {}),
};

/** Some columns of an archive object (hyparquet: no native code, small in a Lambda bundle). */
export function readParquetColumns(bytes: Uint8Array, columns: string[]): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file, columns, compressors: ARCHIVE_DECOMPRESSORS });
}
