/** `new_country`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signIn, DAY, play } from '../../../../../test/helpers/detect.ts';
import { AlertsConfig } from '../../settings.ts';

describe('new country', () => {
  const from = (uid: string, minutes: number, geo_country: string) => signIn(uid, minutes, { geo_country });
  it('fires medium for a country never seen, after the 14-day learning period', () => {
    const { raised } = play([from('us1', -20 * DAY, 'US'), from('us2', -1 * DAY, 'US'), from('nl', 0, 'NL')]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.count, a.event_uids[0]]), [['new_country', 'medium', 1, 'acme-okta#nl']]);
    assert.match(raised[0]!.summary, /NL/);
  });
  it('is silent while learning, for known countries, and for a redelivered event', () => {
    assert.equal(play([from('us1', -13 * DAY, 'US'), from('nl', 0, 'NL')]).raised.length, 0, 'only 13 days of history');
    assert.equal(play([from('us1', -20 * DAY, 'US'), from('nl1', -10 * DAY, 'NL'), from('nl2', 0, 'NL')]).raised.length, 0);
    assert.equal(play([from('us1', -20 * DAY, 'US'), from('nl', 0, 'NL'), from('nl', 0, 'NL')]).raised.length, 1);
  });
  it('a late sign-in from an already-alerted country raises nothing new', () => {
    assert.equal(play([from('us1', -20 * DAY, 'US'), from('nl2', 0, 'NL'), from('nl1', -60, 'NL')]).raised.length, 1);
  });
  it('learning period per tenant', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { new_country: { learningDays: 0 } } } } });
    assert.equal(play([from('us1', -1, 'US'), from('nl', 0, 'NL')], settings).raised.length, 1);
  });
});
