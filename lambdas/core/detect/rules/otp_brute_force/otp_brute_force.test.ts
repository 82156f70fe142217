/** `otp_brute_force`: its alerts over event sequences, with the exact alerts expected, and vendor events reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, play, signIn } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import { fixture } from '../../../../../test/helpers/fixtures.ts';
import { normalizerFor } from '../../../../sources/index.ts';
import type { AuthEvent, Factor, SourceKind } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';
import { userOf } from '../kit.ts';
import { vendorEvents } from '../../../../../test/helpers/rule-scenario.ts';
import { isOtpFailure } from './index.ts';

const USER = 'otto@example.com';
const bad = (uid: string, minutes: number, factor: Factor = 'totp', user = USER) =>
  ev({ event_uid: uid, event_time: at(minutes), category: 'mfa_verify', outcome: 'failure', factor, is_mfa: true, user_email: user });
const run = (n: number, from = 0, step = 0.5) => Array.from({ length: n }, (_, i) => bad(`o${i}`, from + i * step, (['totp', 'sms', 'voice', 'email', 'hardware_token'] as const)[i % 5]));
const ok = (uid: string, minutes: number, factor: Factor = 'totp') => signIn(uid, minutes, { category: 'mfa_verify', factor, user_email: USER });
const only = <A extends { rule: string }>(alerts: A[]) => alerts.filter((a) => a.rule === 'otp_brute_force');
const uids = (n: number) => Array.from({ length: n }, (_, i) => `acme-okta#o${i}`);

describe('OTP brute force', () => {
  it('10 failed one-time codes within 10 minutes raise one medium alert; later ones update it', () => {
    const { raised, updated } = play(run(12));
    assert.deepEqual(only(raised).map((a) => [a.rule, a.severity, a.user, a.count, a.event_uids]), [['otp_brute_force', 'medium', USER, 10, uids(10)]]);
    assert.deepEqual(only(updated).map((a) => a.count), [11, 12]);
  });
  it('9 (just below the threshold), or 10 spread over more than the window, raise nothing', () => {
    assert.equal(only(play(run(9)).raised).length, 0);
    assert.equal(only(play(run(10, 0, 1.2)).raised).length, 0);
  });
  it('push denials, failed passwords, WebAuthn and other users do not count', () => {
    const mixed = [
      ...Array.from({ length: 3 }, (_, i) => bad(`p${i}`, i, 'push')),
      ...Array.from({ length: 3 }, (_, i) => ev({ event_uid: `pw${i}`, event_time: at(i), category: 'login', outcome: 'failure', factor: 'password', user_email: USER })),
      ...Array.from({ length: 2 }, (_, i) => bad(`w${i}`, i, 'webauthn')),
      ...Array.from({ length: 9 }, (_, i) => bad(`x${i}`, i * 0.5, 'totp', `u${i}@example.com`)),
      ...run(9),
    ];
    assert.equal(only(play(mixed).raised).length, 0);
  });
  it('a success with a second factor after the run raises the alert to high (published again, same alert)', () => {
    const { raised } = play([...run(10), ok('win', 6)]);
    const r = only(raised);
    assert.deepEqual(r.map((a) => [a.severity, a.count]), [['medium', 10], ['high', 11]]);
    assert.equal(r[0]!.alert_id, r[1]!.alert_id);
    assert.deepEqual(r[1]!.event_uids, [...uids(10), 'acme-okta#win']);
  });
  it('a success without a second factor, or after only 9 failures, raises nothing more', () => {
    assert.deepEqual(only(play([...run(10), signIn('pw', 6, { factor: 'password', is_mfa: false, user_email: USER })]).raised).map((a) => a.severity), ['medium']);
    assert.equal(only(play([...run(9), ok('win', 6)]).raised).length, 0);
  });
  it('out of order and late: the success first, then the failures: one high alert', () => {
    const failures = run(10);
    const { raised } = play([failures[0]!, ok('win', 6), ...failures.slice(1).reverse()]);
    assert.deepEqual(only(raised).map((a) => [a.severity, a.count, a.first_event_time, a.last_event_time]), [['high', 11, at(0), at(6)]]);
  });
  it('a redelivered failure or success changes nothing', () => {
    const events = [...run(10), ok('win', 6)];
    const { raised, updated } = play([...events, ...events]);
    assert.deepEqual(only(raised).map((a) => a.severity), ['medium', 'high']);
    assert.equal(only(updated).length, 0);
    assert.equal(only(play([...run(9), ...run(9)]).raised).length, 0);
  });
  it('per-tenant override: threshold 5 for one tenant, disabled for another', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { otp_brute_force: { threshold: 5 } } }, globex: { rules: { otp_brute_force: { enabled: false } } } } });
    assert.deepEqual(only(play(run(5), settings).raised).map((a) => a.count), [5]);
    assert.equal(only(play(run(12).map((e) => ({ ...e, tenant: 'globex' })), settings).raised).length, 0);
  });

  describe('vendor events reach it through the real normalizer', () => {
    const normalize = (kind: SourceKind, body: unknown): AuthEvent[] => {
      const n = normalizerFor(kind)!;
      return n.unwrap(body).map((i) => n.normalize(i)).flatMap((r) => (r.kind === 'event' ? [{ ...r.event, tenant: 'acme', source_id: `acme-${kind}`, source: kind, ingest_time: at(600) }] : []));
    };
    const ten = (kind: SourceKind, make: (i: number) => unknown) => {
      const events = normalize(kind, Array.from({ length: 10 }, (_, i) => make(i)));
      assert.equal(events.length, 10, kind);
      assert.ok(events.every(isOtpFailure), `${kind}: ${JSON.stringify(events[0]).slice(0, 300)}`);
      assert.deepEqual(only(play(events).raised).map((a) => [a.rule, a.count]), [['otp_brute_force', 10]], kind);
    };
    // Every vendor whose fixtures hold a failed one-time code: that event, after nine others of its user, raises the alert.
    const found = vendorEvents(isOtpFailure);
    it('every vendor mapping failed one-time codes has one in its fixtures', () => {
      const kinds: string[] = found.map((f) => f.kind);
      for (const k of ['auth0', 'aws_signin', 'duo', 'keycloak', 'onelogin', 'pingone']) assert.ok(kinds.includes(k), k);
    });
    for (const { kind, file, event } of found) {
      it(`${kind}: the failed ${event.factor} code of ${file} (${event.raw_event_type}) reaches it`, () => {
        const t = Date.parse(event.event_time);
        const before = Array.from({ length: 9 }, (_, i) => ev({ event_uid: `${kind}-${i}`, event_time: new Date(t - (i + 1) * 30_000).toISOString(), category: 'mfa_verify', outcome: 'failure', factor: 'totp', is_mfa: true, user_email: userOf(event) }));
        const r = only(play([...before, event]).raised);
        assert.deepEqual(r.map((a) => [a.rule, a.user, a.count]), [['otp_brute_force', userOf(event), 10]]);
        assert.ok(r[0]!.event_uids.includes(`${event.source_id}#${event.event_uid}`));
      });
    }
    const time = (i: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + i * 30_000).toISOString();
    it('Okta: auth_via_mfa failures with Google Authenticator, SMS, voice, e-mail and token factors', () => {
      const base = fixture<{ data: { events: Record<string, any>[] } }>('okta/event-hook.json').data.events[0]!;
      const factors = ['GOOGLE_AUTHENTICATOR', 'SMS_FACTOR', 'CALL_FACTOR', 'EMAIL_FACTOR', 'YUBIKEY_TOKEN'];
      ten('okta', (i) => ({ ...base, uuid: `okta-otp-${i}`, published: time(i), legacyEventType: 'core.user.factor.attempt_fail', outcome: { result: 'FAILURE', reason: 'INVALID_CREDENTIALS' },
        debugContext: { debugData: { ...base['debugContext'].debugData, factor: factors[i % 5] } } }));
    });
    it('Duo: passcodes denied as invalid', () => {
      const base = fixture<{ response: { authlogs: Record<string, unknown>[] } }>('duo/authlogs-page.json').response.authlogs[0]!;
      ten('duo', (i) => ({ ...base, txid: `duo-otp-${i}`, isotimestamp: time(i), timestamp: Date.parse(time(i)) / 1000, factor: i % 2 ? 'sms_passcode' : 'duo_mobile_passcode', result: 'denied', reason: 'invalid_passcode' }));
    });
    it('Entra ID: 500121 with a wrong verification code', () => {
      const f = fixture<{ records: Record<string, any>[] }>('entra/SignInLogs.json');
      const base = f.records[0]!;
      ten('entra', (i) => ({ ...base, time: time(i), resultType: '500121', properties: { ...base['properties'], id: `entra-otp-${i}`, createdDateTime: time(i), status: { errorCode: 500121, failureReason: 'Authentication failed during strong authentication request.' },
        authenticationDetails: [{ authenticationMethod: 'OATH verification code', succeeded: false, authenticationStepResultDetail: 'Invalid verification code', authenticationStepRequirement: 'Multifactor authentication' }] } }));
    });
    it('Auth0: Guardian one-time-password rate limit exceeded', () => {
      const base = fixture<Record<string, any>[]>('auth0/log-stream-mfa.json')[0]!;
      ten('auth0', (i) => ({ ...base, log_id: `auth0-otp-${i}`, data: { ...base['data'], log_id: `auth0-otp-${i}`, date: time(i), type: 'gd_otp_rate_limit_exceed', description: 'Too many failed codes' } }));
    });
  });
});
