/**
 * Run by test/unit/node24.test.ts under Node 24 (the Lambda runtime's major): the paths only
 * Lambda takes — archive objects and OCSF objects written with ZSTD (node:zlib ≥ 22.15) — read
 * back by the readers the backfill and the OCSF exporter use. Prints one JSON line.
 */
import { PARQUET_CODEC, eventsToParquet, readParquetColumns } from '../../lambdas/core/parquet.ts';
import { OCSF_PARQUET_CODEC, ocsfToParquet } from '../../lambdas/core/ocsf-parquet.ts';
import { toOcsf, type OcsfEvent } from '../../lambdas/core/ocsf.ts';
import { ev } from '../helpers/events.ts';

const events = Array.from({ length: 50 }, (_, i) => ev({ event_uid: `z${i}`, event_time: new Date(Date.UTC(2026, 10, 20, 10, 0, i)).toISOString(), category: 'login', outcome: 'success', is_mfa: i % 2 === 0, factor: 'push', user_email: `u${i % 7}@example.com`, src_ip: '198.51.100.7' }));
const archived = await readParquetColumns(eventsToParquet(events), ['source_id', 'event_uid', 'is_mfa']);
const mapped = events.map(toOcsf).flatMap((r) => (r.kind === 'event' ? [r.event as OcsfEvent] : []));
const ocsf = await readParquetColumns(ocsfToParquet('authentication', mapped), ['class_uid', 'time']);
console.log(JSON.stringify({
  node: process.versions.node, archiveCodec: PARQUET_CODEC, ocsfCodec: OCSF_PARQUET_CODEC,
  archived: archived.map((r) => `${r['source_id']}#${r['event_uid']}:${r['is_mfa']}`),
  ocsf: ocsf.map((r) => Number(r['class_uid'])),
}));
