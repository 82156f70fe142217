/** ≥ threshold denied or unanswered push prompts for one user within the window. */
import { countRule, isPushDenial } from '../kit.ts';

export default countRule({
  id: 'mfa_fatigue',
  scope: 'user',
  counts: isPushDenial,
  signal: 'push_denial',
  defaults: { threshold: 3, windowMinutes: 10 },
  severity: 'high',
  wording: (n, m) => `${n} denied or unanswered push prompts within ${m} min (MFA fatigue)`,
});
