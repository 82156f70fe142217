/**
 * The code paths only the Lambda runtime takes, run on Node 24: archive and OCSF objects written
 * with ZSTD and read back by the backfill's and the OCSF exporter's reader.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// @ts-expect-error a plain .mjs script without types
import { NODE24 } from '../../scripts/ensure-node24.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('on Node 24 (the Lambda runtime)', () => {
  it('writes ZSTD Parquet and reads it back (archive and OCSF)', () => {
    // Installed by the test run's setup (scripts/test.mjs → scripts/ensure-node24.mjs): the test itself reaches no network.
    assert.ok(existsSync(NODE24 as string), `no Node 24 at ${NODE24 as string}: run node scripts/ensure-node24.mjs (npm test does)`);
    const out = execFileSync(NODE24 as string, ['--import', 'tsx', 'test/node24/zstd-paths.ts'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { node: string; archiveCodec: string; ocsfCodec: string; archived: string[]; ocsf: number[] };
    assert.match(r.node, /^24\./);
    assert.deepEqual([r.archiveCodec, r.ocsfCodec], ['ZSTD', 'ZSTD']);
    assert.deepEqual(r.archived, Array.from({ length: 50 }, (_, i) => `acme-okta#z${i}:${i % 2 === 0}`));
    assert.deepEqual(r.ocsf, Array.from({ length: 50 }, () => 3002));
  });
});
