/** Backfill after a compaction (and after a crash in one): it sees each archived event once, in the merged object or its staging copy. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { archiveWriter } from '../../lambdas/adapters/archive-writer.ts';
import { memoryArchiveState } from '../../lambdas/adapters/archive-state.ts';
import { archiveCompactor } from '../../lambdas/adapters/archive-compact.ts';
import { archivedEventKeys, listedObjects } from '../../lambdas/adapters/backfill.ts';
import { ev } from '../helpers/events.ts';
import { versionedS3 } from '../helpers/versioned-s3.ts';

for (const crashAt of [undefined, 'deleted', 'committed'] as const) {
  it(`backfill's view of the archived events after a compaction (crash: ${crashAt ?? 'none'})`, async () => {
    const vs = versionedS3();
    const state = memoryArchiveState();
    const w = archiveWriter({ s3: vs.s3, bucket: 'b', state, now: () => new Date(vs.now) });
    const all: string[] = [];
    for (let b = 0; b < 3; b++) {
      const records = Array.from({ length: 5 }, (_, i) => { const e = ev({ event_uid: `u${b}-${i}`, event_time: `2026-11-20T0${i}:00:00.000Z` }); all.push(`acme-okta#${e.event_uid}`); return { seq: String(1000 + b * 10 + i), pk: `acme-okta#${e.event_uid}`, event: e }; });
      await w.archive({ stream: 's', records });
    }
    const c = archiveCompactor({ s3: vs.s3, bucket: 'b', state, now: () => vs.now, fault: (s) => { if (s === crashAt) throw new Error('cut'); } });
    if (crashAt) await assert.rejects(c.compactTenant('acme', { day: '2026-11-20' })); else await c.compactTenant('acme', { day: '2026-11-20' });
    const listed = await listedObjects(vs.s3, 'b', state, 'acme');
    assert.equal(listed.get('2026-11-20')!.length, 1);
    const keys = await archivedEventKeys(vs.s3, 'b', listed.get('2026-11-20')!);
    assert.deepEqual([...keys].sort(), all.sort());
  });
}
