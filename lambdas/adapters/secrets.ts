/**
 * Source secrets: inline values (local mode) or Secrets Manager ARNs (AWS), cached for five
 * minutes so a webhook burst costs one Secrets Manager call, and a rotation takes effect soon.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretResolver } from '../core/ingest.ts';

export const resolveSecret: SecretResolver = async (ref) => {
  if (ref.value !== undefined) return ref.value;
  if (!ref.arn) throw new Error('the source has no secret configured');
  const v = await getSecret<string>(ref.arn, { maxAge: 300 });
  if (typeof v !== 'string' || !v) throw new Error(`secret ${ref.arn} is empty or binary`);
  return v;
};
