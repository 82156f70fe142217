/**
 * The local detector state: the state table's contract (versions, conflicts, expiry) held in
 * memory and durable in an append-only log — across a reopen, a torn last line and compaction.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateConflictError } from '../../lambdas/adapters/detect-state.ts';
import type { KeyState } from '../../lambdas/core/detect/engine.ts';
import { fileDetectState } from '../../local/detect-state-file.ts';

const NOW = Date.UTC(2026, 10, 28);
const later = Math.floor(NOW / 1000) + 3600;
const stateWith = (n: number): KeyState => ({ occ: { failure: [{ uid: `e${n}`, time: NOW - n }] }, open: {} });
const file = () => join(mkdtempSync(join(tmpdir(), 'authtrail-dstate-')), 'detector-state.ndjson');

describe('local detector state (append-only log)', () => {
  it('versions every key: a write over a stale version is a conflict, as the state table\'s condition', async () => {
    const s = fileDetectState(file(), () => NOW);
    const a = await s.get('acme', 'jo');
    assert.deepEqual(a, { state: { occ: {}, open: {} }, version: 0 });
    await s.put('acme', 'jo', { state: stateWith(1), version: 0 }, later);
    await assert.rejects(s.put('acme', 'jo', { state: stateWith(2), version: 0 }, later), StateConflictError);
    const b = await s.get('acme', 'jo');
    assert.equal(b.version, 1);
    await s.put('acme', 'jo', { state: stateWith(3), version: 1 }, later);
    assert.deepEqual(await s.getMany!([{ tenant: 'acme', key: 'jo' }, { tenant: 'globex', key: 'jo' }]), [
      { state: stateWith(3), version: 2 }, { state: { occ: {}, open: {} }, version: 0 },
    ]);
    b.state.occ = {}; // a caller's edits never reach the store
    assert.deepEqual((await s.get('acme', 'jo')).state, stateWith(3));
    s.close();
  });

  it('finds every acknowledged state after a reopen, ignoring a torn last line', async () => {
    const path = file();
    const s = fileDetectState(path, () => NOW);
    for (let i = 0; i < 50; i++) await s.put('acme', `u${i}`, { state: stateWith(i), version: 0 }, later);
    await s.put('acme', 'u7', { state: stateWith(700), version: 1 }, later);
    s.close();
    appendFileSync(path, '{"k":"acme#u9","v":2,"e":'); // killed mid-write
    const r = fileDetectState(path, () => NOW);
    assert.deepEqual(await r.get('acme', 'u7'), { state: stateWith(700), version: 2 });
    assert.deepEqual(await r.get('acme', 'u9'), { state: stateWith(9), version: 1 });
    assert.equal(r.stats().keys, 50);
    assert.equal(readFileSync(path, 'utf8').trim().split('\n').length, 50, 'compacted at open: one line per key');
    r.close();
  });

  it('forgets expired keys (read as new, dropped at compaction) and bounds the log', async () => {
    let now = NOW;
    const path = file();
    const s = fileDetectState(path, () => now);
    await s.put('acme', 'old', { state: stateWith(1), version: 0 }, Math.floor(NOW / 1000) + 10);
    await s.put('acme', 'hot', { state: stateWith(1), version: 0 }, later);
    now += 20_000;
    assert.equal((await s.get('acme', 'old')).version, 0, 'expired: read as absent');
    await s.put('acme', 'old', { state: stateWith(2), version: 0 }, later);
    let v = 1;
    for (let i = 0; i < 12_000; i++) await s.put('acme', 'hot', { state: stateWith(i), version: v++ }, later);
    assert.ok(s.stats().lines < 12_000, `compacted while running (${s.stats().lines} lines)`);
    s.close();
    const r = fileDetectState(path, () => now);
    assert.deepEqual(await r.get('acme', 'hot'), { state: stateWith(11_999), version: 12_001 });
    assert.equal((await r.get('acme', 'old')).version, 1);
    r.close();
  });

  it('keeps IP and tenant keys and a user\'s sessions across a reopen, as the state table does', async () => {
    const path = file();
    const s = fileDetectState(path, () => NOW);
    const user: KeyState = { occ: {}, open: {}, sessions: { 'acme-okta#s1': { c: [{ n: '198.51.100.0/24', a: null, f: NOW, l: NOW, u: 'acme-okta#a' }], x: 1 } } };
    const ip: KeyState = { occ: { failure: [{ uid: 'acme-okta#f', time: NOW, user: 'u1@example.com' }] }, open: {} };
    await s.put('acme', 'erin@example.com', { state: user, version: 0 }, later);
    await s.put('acme', 'ip:203.0.113.9', { state: ip, version: 0 }, later);
    await s.put('acme', '*', { state: stateWith(1), version: 0 }, later);
    s.close();
    const r = fileDetectState(path, () => NOW);
    assert.deepEqual(await r.getMany!([{ tenant: 'acme', key: 'erin@example.com' }, { tenant: 'acme', key: 'ip:203.0.113.9' }, { tenant: 'acme', key: '*' }]),
      [{ state: user, version: 1 }, { state: ip, version: 1 }, { state: stateWith(1), version: 1 }]);
    r.close();
  });
});
