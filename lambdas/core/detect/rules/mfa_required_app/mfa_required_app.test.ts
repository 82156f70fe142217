/** `mfa_required_app`: its alerts over event sequences, with the exact alerts expected. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { at, signIn, play } from '../../../../../test/helpers/detect.ts';
import { AlertsConfig } from '../../settings.ts';
import { ev } from '../../../../../test/helpers/events.ts';
import { fixture } from '../../../../../test/helpers/fixtures.ts';
import { normalizerFor } from '../../../../sources/index.ts';
import type { AuthEvent } from '../../../event.ts';
import { withoutMfa } from '../../engine.ts';

describe('MFA-required apps', () => {
  const settings = AlertsConfig.parse({ tenants: { acme: { rules: { mfa_required_app: { apps: ['Payroll', '0oa-vpn'] } } } } });
  const sso = (uid: string, over: Partial<AuthEvent>) => signIn(uid, 0, { category: 'sso', factor: null, ...over });
  it('a sign-in without MFA to a listed app (by name or id, any case) fires high', () => {
    const { raised } = play([sso('a', { is_mfa: false, app_name: 'payroll' }), sso('b', { is_mfa: false, app_id: '0oa-vpn', user_email: 'zed@example.com' })], settings);
    assert.deepEqual(raised.map((a) => [a.rule, a.severity, a.user]), [['mfa_required_app', 'high', 'erin@example.com'], ['mfa_required_app', 'high', 'zed@example.com']]);
  });
  it('with MFA, unknown MFA, another app, or another tenant: nothing', () => {
    assert.equal(play([sso('a', { is_mfa: true, app_name: 'Payroll' }), sso('b', { is_mfa: null, app_name: 'Payroll' }), sso('c', { is_mfa: false, app_name: 'Wiki' })], settings).raised.length, 0);
    assert.equal(play([sso('d', { is_mfa: false, app_name: 'Payroll', tenant: 'globex' })], settings).raised.length, 0);
  });
  it('MFA decided at the identity provider (external_idp, is_mfa null) is not a sign-in without MFA', () => {
    assert.equal(play([sso('idp', { is_mfa: null, factor: 'external_idp', app_name: 'Payroll' })], settings).raised.length, 0);
    assert.equal(withoutMfa(ev({ event_uid: 'x', event_time: at(0), category: 'login', is_mfa: null, factor: 'external_idp' })), false);
    assert.equal(withoutMfa(ev({ event_uid: 'y', event_time: at(0), category: 'mfa_verify', is_mfa: false })), false);
  });
  it('AWS console: a SAML or Identity Center sign-in (MFAUsed "No": AWS did not prompt) raises nothing; an IAM user without MFA does', () => {
    const aws = AlertsConfig.parse({ tenants: { acme: { rules: { mfa_required_app: { apps: ['AWS Management Console'] } } } } });
    const n = normalizerFor('aws_signin')!;
    const events = n.unwrap(fixture('aws_signin/console-federated.json')).map((i) => n.normalize(i))
      .flatMap((r) => (r.kind === 'event' && r.event.category === 'login' ? [{ ...r.event, tenant: 'acme', source_id: 'acme-aws', source: 'aws_signin' as const, ingest_time: at(600) }] : []));
    const federated = events.filter((e) => e.factor === 'external_idp');
    assert.equal(federated.length, 5);
    assert.equal(play(federated, aws).raised.length, 0, 'federated console sign-ins are not sign-ins without MFA');
    assert.deepEqual(play(events, aws).raised.map((a) => [a.rule, a.user]), [['mfa_required_app', 'deploy-bot']]);
  });
});
