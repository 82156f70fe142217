/** `impossible_travel`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, play } from '../../../../../test/helpers/detect.ts';
import { AlertsConfig } from '../../settings.ts';
import { distanceKm } from '../../engine.ts';

describe('impossible travel', () => {
  const NYC = { geo_lat: 40.7128, geo_lon: -74.006, geo_country: 'US' };
  const LON = { geo_lat: 51.5074, geo_lon: -0.1278, geo_country: 'GB' };
  const BOS = { geo_lat: 42.3601, geo_lon: -71.0589, geo_country: 'US' };
  it('distance is right (New York – London ≈ 5,570 km)', () => {
    assert.ok(Math.abs(distanceKm({ lat: NYC.geo_lat, lon: NYC.geo_lon }, { lat: LON.geo_lat, lon: LON.geo_lon }) - 5570) < 15);
  });
  it('New York then London within an hour fires high with both sign-ins', () => {
    const { raised } = play([signIn('ny', 0, NYC), signIn('ldn', 60, LON)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.count]), [['impossible_travel', 'high', 2]]);
    assert.deepEqual(raised[0]!.event_uids, ['acme-okta#ny', 'acme-okta#ldn']);
    assert.match(raised[0]!.summary, /US → GB/);
  });
  it('New York then London eight hours later (a flight) and New York then Boston within an hour (under 500 km) do not fire', () => {
    assert.equal(play([signIn('ny', 0, NYC), signIn('ldn', 8 * 60, LON)]).raised.length, 0);
    assert.equal(play([signIn('ny', 0, NYC), signIn('bos', 30, BOS)]).raised.length, 0);
  });
  it('out of order: a late sign-in between two others is compared with its neighbours in time', () => {
    const { raised } = play([signIn('ny1', 0, NYC), signIn('ny2', 600, NYC), signIn('ldn', 30, LON)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.event_uids]), [['impossible_travel', ['acme-okta#ny1', 'acme-okta#ldn']]]);
  });
  it('speed is tunable per tenant', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { impossible_travel: { speedKmh: 200, minDistanceKm: 100 } } } } });
    assert.equal(play([signIn('ny', 0, NYC), signIn('bos', 30, BOS)], settings).raised.length, 1);
  });
});
