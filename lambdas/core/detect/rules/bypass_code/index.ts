/** A bypass (recovery) code used: one is enough. */
import { defineRule, isBypass, single } from '../kit.ts';

export default defineRule({
  id: 'bypass_code',
  scope: 'user',
  settings: single,
  concerns: isBypass,
  step(c, r) {
    if (r.enabled) c.emit('high', [{ uid: c.uid, time: c.at }], 'an MFA bypass code was used');
  },
});
