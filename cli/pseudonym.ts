/**
 * `authtrail pseudonym --tenant t --reason "<why>" <value> [--json] [--outputs <file>]`: the
 * pseudonyms a tenant whose privacy policy pseudonymizes stores for a clear value, so that an
 * investigator who knows whom to look for (an email, a login, an id, an address) can find them in
 * the timeline, the web console, the investigation API and the queries, which hold pseudonyms
 * only (README, "Privacy"). It is `reveal` the other way round: it needs the tenant's key
 * (cli/tenant-key.ts), not the vault, and is recorded in the access log (the pseudonyms, never
 * the value) before it answers.
 */
import { pseudonym, PSEUDONYM } from '../lambdas/core/privacy.ts';
import { recordAccess } from './access-log.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { UsageError } from './errors.ts';
import { openTarget } from './target.ts';
import { tenantKey } from './tenant-key.ts';

const OPTIONS = { tenant: { type: 'string' }, reason: { type: 'string' }, json: { type: 'boolean' }, ...OUTPUTS_OPTION } as const;

export function parsePseudonymArgs(args: string[]) {
  const { values: v, positionals } = parseCommand('pseudonym', args, OPTIONS, ['<value>']);
  if (!v.tenant) throw new UsageError('pseudonym needs --tenant <t>: a value is pseudonymized with its tenant\'s key only');
  if (!v.reason?.trim()) throw new UsageError('pseudonym needs --reason "<why>": it is recorded in the access log with the answer');
  const value = positionals[0]!.trim();
  if (!value) throw new UsageError('pseudonym: the value is empty');
  if (PSEUDONYM.test(value)) throw new UsageError(`pseudonym: "${value}" is already a pseudonym (reveal gives its clear value)`);
  return { tenant: v.tenant, reason: v.reason.trim(), value, json: v.json ?? false, outputs: v.outputs };
}

/**
 * The value's pseudonyms: emails and logins are pseudonymized without regard to case (so
 * `Bob@Example.com` and `bob@example.com` are one person), ids, addresses and the other fields
 * as they are — one pseudonym when the two agree (a value with no capitals).
 */
export function pseudonymsOf(key: Buffer, value: string): { email_or_login: string; other: string } {
  return { email_or_login: pseudonym(key, value, true), other: pseudonym(key, value, false) };
}

export async function pseudonymCommand(args: string[]): Promise<number> {
  const a = parsePseudonymArgs(args);
  const t = openTarget(a.outputs);
  try {
    const p = pseudonymsOf(await tenantKey(t, a.tenant), a.value);
    const what = p.other === p.email_or_login ? p.other : `${p.email_or_login} ${p.other}`;
    const r = await recordAccess(t, { tenant: a.tenant, action: 'pseudonym', what, reason: a.reason });
    if (a.json) console.log(JSON.stringify({ tenant: a.tenant, ...p, access_id: r.access_id }));
    else if (p.other === p.email_or_login) console.log(`${p.other}  (access ${r.access_id} recorded)`);
    else console.log(`${p.email_or_login}  as an email or login\n${p.other}  as an id, address or other field\n(access ${r.access_id} recorded)`);
    return 0;
  } finally {
    t.close();
  }
}
