/** A user reported a prompt or sign-in as fraud: one is enough. */
import { defineRule, isFraud, single } from '../kit.ts';

export default defineRule({
  id: 'fraud_report',
  scope: 'user',
  settings: single,
  concerns: isFraud,
  step(c, r) {
    if (r.enabled) c.emit('critical', [{ uid: c.uid, time: c.at }], 'the user reported an MFA prompt or sign-in as fraud');
  },
});
