/**
 * Source secrets: inline values (local mode) or Secrets Manager secrets (AWS), cached per
 * process so a webhook burst costs no Secrets Manager call.
 *
 * Rotation without a 401 window (README, "Rotating a source's secret"): a source accepts its
 * secret's `AWSCURRENT` and `AWSPREVIOUS` versions, and `previousSecretArn` when the config names
 * one. Values are kept `maxAgeMs` (5 minutes); when a request matches none of them, the secret is
 * read again at once if the cached copy is at least `refreshAfterMs` (10 s) old, so a value put
 * into Secrets Manager is accepted within seconds. That age is the rate limit: however many bad
 * requests arrive, each secret is read at most once per `refreshAfterMs` per process, and
 * concurrent failures share one read.
 */
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretRefs, SecretSource, SecretValueResolver } from '../core/auth.ts';

export class SecretError extends Error {
  override name = 'SecretError';
}

type Stage = 'AWSCURRENT' | 'AWSPREVIOUS';

interface Entry {
  values: readonly string[];
  /** When the read that produced `values` started: a read that began before a change may miss it. */
  fetchedAt: number;
  /** When the last read (successful or not) started: the refresh rate limit counts from it. */
  triedAt: number;
  inFlight?: Promise<readonly string[]> | undefined;
}

export interface SecretCacheOptions {
  /** Default: a client with the standard SDK configuration, made at first use. */
  readonly client?: SecretsManagerClient;
  readonly maxAgeMs?: number;
  readonly refreshAfterMs?: number;
  readonly now?: () => number;
}

export type SecretCache = SecretValueResolver & SecretSource;

export function secretCache(o: SecretCacheOptions = {}): SecretCache {
  const maxAgeMs = o.maxAgeMs ?? 300_000;
  const refreshAfterMs = o.refreshAfterMs ?? 10_000;
  const now = o.now ?? Date.now;
  let client = o.client;
  const cache = new Map<string, Entry>();

  async function readStage(id: string, stage: Stage): Promise<string | null> {
    client ??= new SecretsManagerClient({});
    try {
      const r = await client.send(new GetSecretValueCommand({ SecretId: id, VersionStage: stage }));
      if (typeof r.SecretString !== 'string' || !r.SecretString) throw new SecretError(`secret ${id} (${stage}) is empty or binary; store the secret as a string`);
      return r.SecretString;
    } catch (err) {
      // A secret never rotated has no AWSPREVIOUS version.
      if (stage === 'AWSPREVIOUS' && err instanceof ResourceNotFoundException) return null;
      if (err instanceof SecretError) throw err;
      throw new SecretError(`cannot read secret ${id} (${stage}): ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`, { cause: err });
    }
  }

  /** Starts a read of `id`'s stages (one at a time per key); resolves to the values, or rejects. */
  function read(key: string, id: string, stages: readonly Stage[]): Promise<readonly string[]> {
    const started = now();
    const entry = cache.get(key);
    if (entry?.inFlight) return entry.inFlight;
    const inFlight = Promise.all(stages.map((s) => readStage(id, s))).then(
      (vs) => {
        const values = [...new Set(vs.filter((v): v is string => v !== null))];
        cache.set(key, { values, fetchedAt: started, triedAt: started });
        return values;
      },
      (err: unknown) => {
        const e = cache.get(key);
        if (e) e.inFlight = undefined;
        throw err;
      },
    );
    if (entry) { entry.inFlight = inFlight; entry.triedAt = started; }
    else cache.set(key, { values: [], fetchedAt: -Infinity, triedAt: started, inFlight });
    return inFlight;
  }

  const keyOf = (id: string, stages: readonly Stage[]) => `${stages.join('+')}\u0000${id}`;

  /**
   * Cached values of `id`, read again when older than `maxAgeMs`. When that read fails (Secrets
   * Manager throttling or unreachable), the values read before keep serving, and the next try
   * waits `refreshAfterMs`: an outage costs neither 5xx answers nor a call per request.
   */
  async function get(id: string, stages: readonly Stage[]): Promise<readonly string[]> {
    const key = keyOf(id, stages);
    const entry = cache.get(key);
    if (entry && now() - entry.fetchedAt < maxAgeMs) return entry.values;
    const known = entry && entry.fetchedAt > -Infinity ? entry.values : undefined;
    if (known && !entry!.inFlight && now() - entry!.triedAt < refreshAfterMs) return known;
    try {
      return await read(key, id, stages);
    } catch (err) {
      if (known) return known;
      throw err;
    }
  }

  /** Reads `id` again if the rate limit allows; true when fresh values were read. */
  async function refreshOne(id: string, stages: readonly Stage[]): Promise<boolean> {
    const key = keyOf(id, stages);
    const entry = cache.get(key);
    if (!entry) return false;
    if (entry.inFlight) {
      // A read already under way (started within the rate limit): its result is what a new read would give.
      await entry.inFlight.catch(() => undefined);
      return true;
    }
    if (now() - entry.triedAt < refreshAfterMs) return false;
    try {
      await read(key, id, stages);
      return true;
    } catch {
      // Keep the cached values; the next try waits for the rate limit too.
      return false;
    }
  }

  const CURRENT_AND_PREVIOUS: readonly Stage[] = ['AWSCURRENT', 'AWSPREVIOUS'];
  const CURRENT: readonly Stage[] = ['AWSCURRENT'];

  async function candidates(refs: SecretRefs): Promise<readonly string[]> {
    const [current, previous] = await Promise.all([
      refs.arn !== undefined ? get(refs.arn, CURRENT_AND_PREVIOUS) : [],
      refs.previousArn !== undefined ? get(refs.previousArn, CURRENT) : [],
    ]);
    const all = [...(refs.value !== undefined ? [refs.value] : []), ...current, ...previous];
    if (!all.length) throw new SecretError('the source has no secret configured');
    return [...new Set(all)];
  }

  async function refresh(refs: SecretRefs): Promise<readonly string[] | null> {
    const read = await Promise.all([
      refs.arn !== undefined ? refreshOne(refs.arn, CURRENT_AND_PREVIOUS) : false,
      refs.previousArn !== undefined ? refreshOne(refs.previousArn, CURRENT) : false,
    ]);
    return read.some(Boolean) ? candidates(refs) : null;
  }

  /** One secret's current value: a webhook secret, or a pull credential (`<field>SecretArn`). */
  const resolve: SecretValueResolver = async (ref) => {
    if (ref.value !== undefined) return ref.value;
    if (!ref.arn) throw new SecretError('the source has no secret configured');
    const [v] = await get(ref.arn, CURRENT);
    if (v === undefined) throw new SecretError(`secret ${ref.arn} has no current value`);
    return v;
  };

  return Object.assign(resolve, { candidates, refresh });
}

/** The process's cache (Lambda: one per execution environment). */
export const resolveSecret: SecretCache = secretCache();
