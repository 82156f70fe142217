/** ≥ threshold failed sign-ins or MFA verifications for one user within the window. */
import { countRule, isFailure } from '../kit.ts';

export default countRule({
  id: 'brute_force',
  scope: 'user',
  counts: isFailure,
  signal: 'failure',
  defaults: { threshold: 10, windowMinutes: 15 },
  severity: 'medium',
  wording: (n, m) => `${n} failed sign-ins or MFA verifications within ${m} min`,
});
