/**
 * The local runtime's detector state: the same contract as the state table's `detect#` items
 * (`DetectState`: a version per key, a write only over the version it read, expiry), held in
 * memory and made durable by an append-only log under `AUTHTRAIL_HOME`, so a restart (or a
 * kill -9) finds every state the detector acknowledged.
 *
 * Why not DynamoDB Local, as in AWS: locally one DynamoDB Local process serves every table, and
 * the detector writes about one state item per event (one per user and batch), as many as the
 * hot table itself: the stand-in then spends half its time on detector state and intake runs at
 * about 60 % of its own write rate. In AWS each table scales on its own. The DynamoDB adapter is
 * tested against DynamoDB Local in the integration tier.
 *
 * Log lines are `{"k":key,"v":version,"e":expiresAt,"s":state}`; the newest line of a key wins; a
 * torn last line (a crash mid-write) is ignored. The log is compacted at open and when it holds
 * several times more lines than live keys.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { StateConflictError, type DetectState, type StoredState } from '../lambdas/adapters/detect-state.ts';
import type { KeyState } from '../lambdas/core/detect/engine.ts';

interface Entry { v: number; e: number; s: KeyState }

const empty = (): StoredState => ({ state: { occ: {}, open: {} }, version: 0 });

export interface FileDetectState extends DetectState {
  close(): void;
  /** Live keys and log lines, for tests. */
  stats(): { keys: number; lines: number };
}

export function fileDetectState(path: string, now: () => number = Date.now): FileDetectState {
  const live = new Map<string, Entry>();
  const nowSec = () => Math.floor(now() / 1000);
  if (existsSync(path)) {
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      let r: { k: string } & Entry;
      try { r = JSON.parse(line) as { k: string } & Entry; } catch { continue; } // a torn last line
      if (typeof r?.k === 'string' && typeof r.v === 'number') live.set(r.k, { v: r.v, e: r.e, s: r.s });
    }
  }
  let fd = -1;
  let lines = 0;
  const compact = () => {
    const t = nowSec();
    for (const [k, x] of live) if (x.e <= t) live.delete(k);
    const tmp = `${path}.tmp`;
    const out = openSync(tmp, 'w', 0o600);
    const chunk: string[] = [];
    const drain = () => { if (chunk.length) writeSync(out, chunk.join('')); chunk.length = 0; };
    for (const [k, x] of live) {
      chunk.push(`${JSON.stringify({ k, v: x.v, e: x.e, s: x.s })}\n`);
      if (chunk.length >= 1000) drain();
    }
    drain();
    fsyncSync(out);
    closeSync(out);
    if (fd >= 0) closeSync(fd);
    renameSync(tmp, path);
    fd = openSync(path, 'a', 0o600);
    lines = live.size;
  };
  compact();

  const id = (tenant: string, key: string) => `${tenant}#${key}`;
  const read = (tenant: string, key: string): StoredState => {
    const x = live.get(id(tenant, key));
    // Like DynamoDB's TTL, an expired item is gone (here at once, not within days).
    if (!x || x.e <= nowSec()) return empty();
    return { state: structuredClone(x.s), version: x.v };
  };
  return {
    async get(tenant, key) {
      return read(tenant, key);
    },
    async getMany(keys) {
      return keys.map((k) => read(k.tenant, k.key));
    },
    async put(tenant, key, s, expiresAt) {
      const k = id(tenant, key);
      const cur = live.get(k);
      const curVersion = cur && cur.e > nowSec() ? cur.v : 0;
      if (curVersion !== s.version) throw new StateConflictError('detector state changed concurrently');
      const entry: Entry = { v: s.version + 1, e: expiresAt, s: structuredClone(s.state) };
      // Written before it is visible: an acknowledged state is in the log (the page cache survives a killed process).
      writeSync(fd, `${JSON.stringify({ k, v: entry.v, e: entry.e, s: entry.s })}\n`);
      live.set(k, entry);
      if (++lines > 4 * live.size + 10_000) compact();
    },
    close() {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
    stats: () => ({ keys: live.size, lines }),
  };
}
