/** `password_reset_burst`: its alerts over event sequences, with the exact alerts expected, and vendor events reaching it. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, play } from '../../../../../test/helpers/detect.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import { fixture } from '../../../../../test/helpers/fixtures.ts';
import { normalizerFor } from '../../../../sources/index.ts';
import type { AuthEvent, Category, SourceKind } from '../../../event.ts';
import { AlertsConfig } from '../../settings.ts';
import { userOf } from '../kit.ts';
import { vendorEvents } from '../../../../../test/helpers/rule-scenario.ts';
import { isResetOrUnlock } from './index.ts';

const reset = (uid: string, minutes: number, user: string, o: { tenant?: string; category?: Category } = {}) =>
  ev({ event_uid: uid, event_time: at(minutes), category: o.category ?? 'password_reset', outcome: 'success', user_email: user, actor_login: 'helpdesk@example.com', tenant: o.tenant ?? 'acme' });
const users = (n: number, step = 10, from = 0) => Array.from({ length: n }, (_, i) => reset(`r${i}`, from + i * step, `u${i}@example.com`));
const only = <A extends { rule: string }>(alerts: A[]) => alerts.filter((a) => a.rule === 'password_reset_burst');

describe('password reset bursts across a tenant', () => {
  it('five distinct users reset within 60 minutes raise one tenant-wide medium alert; a sixth updates it', () => {
    const { raised, updated } = play(users(6));
    assert.deepEqual(only(raised).map((a) => [a.rule, a.severity, a.user, a.count, a.event_uids, a.first_event_time, a.last_event_time]),
      [['password_reset_burst', 'medium', '*', 5, ['r0', 'r1', 'r2', 'r3', 'r4'].map((u) => `acme-okta#${u}`), at(0), at(40)]]);
    assert.deepEqual(only(updated).map((a) => a.count), [6]);
  });
  it('unlocks count with resets', () => {
    const mixed = [reset('a', 0, 'a@example.com'), reset('b', 5, 'b@example.com', { category: 'unlock' }), reset('c', 9, 'c@example.com'), reset('d', 20, 'd@example.com', { category: 'unlock' }), reset('e', 30, 'e@example.com')];
    assert.deepEqual(only(play(mixed).raised).map((a) => [a.user, a.count]), [['*', 5]]);
  });
  it('four users (just below), one user\'s reset e-mails and completions, five users over more than an hour, or across two tenants: nothing', () => {
    assert.equal(only(play(users(4)).raised).length, 0);
    assert.equal(only(play(Array.from({ length: 8 }, (_, i) => reset(`s${i}`, i, 'same@example.com'))).raised).length, 0);
    assert.equal(only(play(users(5, 16)).raised).length, 0);
    assert.equal(only(play(users(5).map((e, i) => ({ ...e, tenant: i % 2 ? 'globex' : 'acme' }))).raised).length, 0);
  });
  it('errors and other categories do not count', () => {
    const errs = users(5).map((e) => ({ ...e, outcome: 'error' as const }));
    assert.equal(only(play(errs).raised).length, 0);
    assert.equal(only(play(users(5).map((e) => ({ ...e, category: 'factor_reset' as const }))).raised).length, 0);
  });
  it('late and out-of-order resets count in their window', () => {
    const [a, b, c, d, e] = users(5);
    const { raised } = play([e!, a!, d!, b!, c!]);
    assert.deepEqual(only(raised).map((x) => [x.count, x.first_event_time, x.last_event_time]), [[5, at(0), at(40)]]);
  });
  it('redeliveries change nothing', () => {
    assert.equal(only(play([...users(4), ...users(4)]).raised).length, 0);
    const { raised, updated } = play([...users(5), ...users(5)]);
    assert.equal(only(raised).length, 1);
    assert.equal(only(updated).length, 0);
  });
  it('per-tenant override: threshold 3 in 15 minutes for one tenant, disabled for another', () => {
    const settings = AlertsConfig.parse({ tenants: { acme: { rules: { password_reset_burst: { threshold: 3, windowMinutes: 15 } } }, globex: { rules: { password_reset_burst: { enabled: false } } } } });
    assert.deepEqual(only(play(users(3, 5), settings).raised).map((a) => a.count), [3]);
    assert.equal(only(play(users(3, 10), settings).raised).length, 0);
    assert.equal(only(play(users(8).map((e) => ({ ...e, tenant: 'globex' })), settings).raised).length, 0);
  });

  describe('vendor events reach it through the real normalizer', () => {
    const normalize = (kind: SourceKind, body: unknown): AuthEvent[] => {
      const n = normalizerFor(kind)!;
      return n.unwrap(body).map((i) => n.normalize(i)).flatMap((r) => (r.kind === 'event' ? [{ ...r.event, tenant: 'acme', source_id: `acme-${kind}`, source: kind, ingest_time: at(600) }] : []));
    };
    const five = (kind: SourceKind, items: unknown[]) => {
      const events = normalize(kind, items);
      assert.equal(events.length, items.length, kind);
      assert.ok(events.every(isResetOrUnlock), `${kind}: ${events.map((e) => e.category).join(',')}`);
      assert.deepEqual(only(play(events).raised).map((a) => [a.rule, a.user, a.count]), [['password_reset_burst', '*', 5]], kind);
    };
    // Every vendor whose fixtures hold a reset or unlock: that event, after four other users' resets, raises the alert.
    const found = vendorEvents(isResetOrUnlock);
    it('every vendor mapping resets or unlocks has one in its fixtures', () => {
      const kinds: string[] = found.map((f) => f.kind);
      for (const k of ['auth0', 'aws_signin', 'duo', 'entra', 'google_workspace', 'jumpcloud', 'keycloak', 'okta', 'onelogin', 'pingone']) assert.ok(kinds.includes(k), k);
    });
    for (const { kind, file, event } of found) {
      it(`${kind}: the ${event.category} of ${file} (${event.raw_event_type}) reaches it`, () => {
        const t = Date.parse(event.event_time);
        const before = Array.from({ length: 4 }, (_, i) => ({ ...reset(`${kind}-${i}`, 0, `other${i}@example.com`), event_time: new Date(t - (i + 1) * 600_000).toISOString() }));
        const r = only(play([...before, event]).raised);
        assert.deepEqual(r.map((a) => [a.rule, a.user, a.count]), [['password_reset_burst', '*', 5]], `${kind}: user ${userOf(event)}`);
        assert.ok(r[0]!.event_uids.includes(`${event.source_id}#${event.event_uid}`));
      });
    }
    const time = (i: number) => new Date(Date.parse('2026-11-20T10:00:00Z') + i * 300_000).toISOString();
    it('Okta: admin resets, self-service recovery e-mails and an admin unlock', () => {
      const page = fixture<Record<string, any>[]>('okta/api-page-classic.json');
      const [adminReset, , mail, unlock] = ['user.account.reset_password', 'user.account.update_password', 'system.email.password_reset.sent_message', 'user.account.unlock_by_admin']
        .map((t) => page.find((e) => e['eventType'] === t)!);
      const retarget = (e: Record<string, any>, i: number, user: string) => {
        const target = (e['target'] as Record<string, unknown>[]).map((t) => (t['type'] === 'User' ? { ...t, id: `00u${user}`, alternateId: `${user}@example.com` } : t));
        const actor = e['actor']['type'] === 'User' && e['actor']['alternateId'] !== 'helpdesk.admin@example.com' && e['eventType'].startsWith('system.email') ? { ...e['actor'], id: `00u${user}`, alternateId: `${user}@example.com` } : e['actor'];
        return { ...e, uuid: `okta-reset-${i}`, published: time(i), actor, target };
      };
      five('okta', [retarget(adminReset!, 0, 'ann'), retarget(mail!, 1, 'ben'), retarget(adminReset!, 2, 'cal'), retarget(unlock!, 3, 'dee'), retarget(mail!, 4, 'eve')]);
    });
    it('Entra ID: resets by an admin and self-service', () => {
      const records = fixture<{ records: Record<string, any>[] }>('entra/AuditLogs.json').records;
      const byAdmin = records.find((r) => r['operationName'] === 'Reset password (by admin)')!;
      const self = records.find((r) => r['operationName'] === 'Reset password (self-service)')!;
      five('entra', ['ann', 'ben', 'cal', 'dee', 'eve'].map((u, i) => {
        const base = i % 2 ? self : byAdmin;
        return { ...base, time: time(i), properties: { ...base['properties'], id: `entra-reset-${i}`, activityDateTime: time(i),
          targetResources: (base['properties'].targetResources as Record<string, unknown>[]).map((t) => ({ ...t, id: `id-${u}`, userPrincipalName: `${u}@example.com` })) } };
      }));
    });
  });
});
