/**
 * A pull source's settings with its credentials resolved: `<field>SecretArn` (or the CDK app's
 * `<field>SecretName`) is read from Secrets Manager into `<field>`; inline values (local mode)
 * pass through. Then the vendor's schema validates the whole, naming a bad field.
 */
import type { Source } from '../core/config.ts';
import { describeIssues } from '../core/config-lookup.ts';
import type { Puller } from '../core/pull.ts';
import type { SecretResolver } from '../core/ingest.ts';

export class PullConfigError extends Error {
  override name = 'PullConfigError';
}

export async function resolvePullSettings<S>(source: Source, puller: Puller<S>, secrets: SecretResolver): Promise<S> {
  if (!source.pull) throw new PullConfigError(`source ${source.id} has no "pull" settings`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(source.pull)) {
    const m = /^(.+)Secret(Arn|Name)$/.exec(k);
    if (m && typeof v === 'string') {
      const value = await secrets({ arn: v });
      // A service-account key is JSON; keep it as the object Google issued.
      out[m[1]!] = m[1] === 'serviceAccountKey' ? JSON.parse(value) : value;
    } else if (!(k in out)) out[k] = v;
  }
  const r = puller.settings.safeParse(out);
  if (!r.success) throw new PullConfigError(`source ${source.id}: pull settings are invalid:\n${describeIssues(r.error.issues).replace(/^/gm, 'pull.')}`);
  return r.data;
}
