/**
 * The deployed config's tenant ids (`AUTHTRAIL_TENANTS`, a JSON array the CDK app sets) for the
 * functions that get no runtime config (compactor, verifier, eraser, OCSF export); none when
 * unset. A module of its own: the functions that do not need it load no zod for it.
 */
import * as z from '../core/zod-mini.ts';

export function tenantsFromEnv(): string[] {
  const raw = process.env.AUTHTRAIL_TENANTS;
  return raw ? z.array(z.string().check(z.minLength(1))).parse(JSON.parse(raw)) : [];
}
