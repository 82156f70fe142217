/** A factor enrolled, removed or reset (high when an admin did it for someone else). */
import type { AuthEvent } from '../../../event.ts';
import { defineRule, isFactorChange, single } from '../kit.ts';

const verb = (e: AuthEvent) => (e.category === 'factor_enroll' ? 'enrolled' : e.category === 'factor_remove' ? 'removed' : 'reset');

export default defineRule({
  id: 'factor_change',
  scope: 'user',
  settings: single,
  concerns: isFactorChange,
  records: { signal: 'factor_change' },
  step(c, r) {
    const e = c.event;
    const admin = !!(e.actor_id || e.actor_login);
    if (r.enabled) {
      c.emit(admin ? 'high' : 'low', [c.mine], admin
        ? `an admin (${e.actor_login ?? e.actor_id}) ${verb(e)} an MFA factor of this user${e.factor ? ` (${e.factor})` : ''}`
        : `the user ${verb(e)} an MFA factor${e.factor ? ` (${e.factor})` : ''}`);
    }
  },
});
