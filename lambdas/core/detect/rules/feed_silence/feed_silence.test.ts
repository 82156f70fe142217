/** `feed_silence`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { T0 } from '../../../../../test/helpers/detect.ts';
import { feedSilence } from '../../engine.ts';

describe('feed silence', () => {
  const base = { tenant: 'acme', sourceId: 'acme-okta', gapMinutes: 60, lastIngest: T0, lastEventTime: T0 - 30_000, lastUid: 'acme-okta#x' };
  it('nothing until the gap has passed, then one alert whose id is stable for the silence', () => {
    assert.equal(feedSilence({ ...base, now: T0 + 60 * 60_000 }), null);
    const a = feedSilence({ ...base, now: T0 + 75 * 60_000 })!;
    assert.deepEqual([a.rule, a.severity, a.user, a.count, a.event_uids], ['feed_silence', 'medium', '*', 1, ['acme-okta#x']]);
    assert.match(a.summary, /acme-okta delivered no events for 75 min \(expected gap 60 min\)/);
    assert.equal(feedSilence({ ...base, now: T0 + 200 * 60_000 })!.alert_id, a.alert_id);
    assert.notEqual(feedSilence({ ...base, lastIngest: T0 + 1, now: T0 + 200 * 60_000 })!.alert_id, a.alert_id);
  });
});
