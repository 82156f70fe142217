/** `push_approved_after_denials`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { denial, signIn, play } from '../../../../../test/helpers/detect.ts';

describe('push approved after denials', () => {
  it('a push approved after denials is critical; an approval without denials is not', () => {
    const approve = (uid: string, m: number) => ({ ...denial(uid, m), outcome: 'success' as const });
    const r = play([denial('d1', 0), denial('d2', 2), approve('ok', 4)]).raised;
    assert.deepEqual(r.map((a) => [a.rule, a.severity, a.count]), [['push_approved_after_denials', 'critical', 3]]);
    assert.equal(play([approve('ok1', 0), approve('ok2', 30)]).raised.length, 0);
    assert.equal(play([denial('old', 0), approve('late-ok', 40)]).raised.length, 0, 'denials outside the window do not count');
  });
  it('push approved after denials: a late denial before the approval completes it', () => {
    const approve = signIn('approve', 5, { user_email: 'bob@example.com', category: 'mfa_verify' });
    const { raised } = play([denial('d1', 0), approve, denial('d2', 3)]);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.count]), [['push_approved_after_denials', 'critical', 3]]);
    assert.deepEqual(raised[0]!.event_uids, ['acme-okta#d1', 'acme-okta#d2', 'acme-okta#approve']);
  });
  it('push approved after denials: an approval by another factor does not count', () => {
    const totp = signIn('otp', 5, { user_email: 'bob@example.com', category: 'mfa_verify', factor: 'totp' });
    assert.equal(play([denial('d1', 0), denial('d2', 1), totp]).raised.length, 0);
  });
});
