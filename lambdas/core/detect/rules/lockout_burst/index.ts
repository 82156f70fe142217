/** ≥ threshold distinct users locked out across a tenant within the window (password spraying). */
import { countRule, isLockout } from '../kit.ts';

export default countRule({
  id: 'lockout_burst',
  scope: 'tenant',
  counts: isLockout,
  signal: 'lockout',
  distinctUsers: true,
  defaults: { threshold: 5, windowMinutes: 15 },
  severity: 'high',
  wording: (n, m) => `${n} users locked out within ${m} min across the tenant (password spraying?)`,
});
