/**
 * The dashboard counts the detector emits per batch: new events per source, sign-in and MFA
 * failures and denials per tenant, alerts per rule.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ev } from '../helpers/events.ts';
import type { Alert } from '../../lambdas/core/detect/engine.ts';

process.env.AUTHTRAIL_RUNTIME_CONFIG ??= JSON.stringify({ tenants: [{ id: 'acme', name: 'Acme' }], sources: [] });
const { batchCounts } = await import('../../lambdas/handlers/detector.ts');

describe('detector batch counts', () => {
  it('counts per source, per tenant and per rule', () => {
    const t = '2026-11-20T10:00:00.000Z';
    const events = [
      ev({ event_uid: '1', event_time: t, category: 'mfa_verify', outcome: 'failure', factor: 'totp', is_mfa: true }),
      ev({ event_uid: '2', event_time: t, category: 'mfa_verify', outcome: 'denied', factor: 'push', is_mfa: true }),
      ev({ event_uid: '3', event_time: t, category: 'login', outcome: 'failure', factor: 'password', tenant: 'globex', source_id: 'globex-duo' }),
      ev({ event_uid: '4', event_time: t, category: 'fraud_report', outcome: 'fraud' }),
      ev({ event_uid: '5', event_time: t, category: 'login', outcome: 'success', is_mfa: true }),
    ];
    const alerts = [{ rule: 'mfa_fatigue' }, { rule: 'mfa_fatigue' }, { rule: 'fraud_report' }] as Alert[];
    const c = batchCounts(events, alerts);
    assert.deepEqual(Object.fromEntries(c.perSource), { 'acme-okta': 4, 'globex-duo': 1 });
    assert.deepEqual(Object.fromEntries(c.failures), { acme: 1 });
    assert.deepEqual(Object.fromEntries(c.signInFailures), { globex: 1 });
    assert.deepEqual(Object.fromEntries(c.denials), { acme: 2 });
    assert.deepEqual(Object.fromEntries(c.perRule), { mfa_fatigue: 2, fraud_report: 1 });
  });
});
