/**
 * ≥ threshold distinct users of one tenant whose password was reset or account unlocked (started
 * or completed, by themselves or an admin) within the window: mass account recovery, by an
 * attacker working a help desk or a recovery flow, or by a compromised admin.
 */
import type { AuthEvent } from '../../../event.ts';
import { countRule } from '../kit.ts';

/** A password reset, recovery or account unlock (vendors file unlocks apart from resets, or with them). */
export const isResetOrUnlock = (e: AuthEvent) => (e.category === 'password_reset' || e.category === 'unlock') && e.outcome !== 'error';

export default countRule({
  id: 'password_reset_burst',
  scope: 'tenant',
  counts: isResetOrUnlock,
  signal: 'password_reset',
  // One reset is several events (the e-mail sent, the reset done): users are counted, not events.
  distinctUsers: true,
  defaults: { threshold: 5, windowMinutes: 60 },
  severity: 'medium',
  wording: (n, m) => `passwords reset or accounts unlocked for ${n} users within ${m} min across the tenant`,
});
