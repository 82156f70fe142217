/**
 * The CLI's user errors: one line, no stack trace, naming the fix. Anything else that reaches
 * `main` is turned into such a line when it is a known environment problem (no region, no
 * credentials, nothing listening), and printed with its stack only when it is a bug.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A user error that is not about the command line's shape (exit 1). */
export class CliError extends Error {
  override name = 'CliError';
}

const causeChain = (err: unknown): unknown[] => {
  const out: unknown[] = [];
  for (let e: unknown = err; e && out.length < 5; e = (e as { cause?: unknown }).cause) out.push(e);
  return out;
};

/**
 * One line with the fix for the environment problems a user can cause, or undefined for a bug.
 * `where` names what was being reached for connection errors; `aws` says whether the command ran
 * against a deployed stack (`--outputs`) rather than the local collector.
 */
export function explain(err: unknown, where?: string, aws = false): string | undefined {
  for (const e of causeChain(err)) {
    if (!(e instanceof Error)) continue;
    const code = (e as NodeJS.ErrnoException).code;
    if (e.name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message)) {
      return 'no AWS credentials found: configure them as for the AWS CLI (AWS_PROFILE, aws sso login, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an instance role)';
    }
    if (/^Region is missing/i.test(e.message)) return 'no AWS region is set: set AWS_REGION (or a region in your AWS profile)';
    if (/^Region not accepted/i.test(e.message)) return `no valid AWS region is set (${/region="[^"]*"/.exec(e.message)?.[0] ?? 'region'}): set AWS_REGION to a region such as eu-west-1`;
    if (e.name === 'ExpiredTokenException' || e.name === 'ExpiredToken') return 'the AWS credentials have expired: refresh them (e.g. aws sso login) and run the command again';
    if (e.name === 'AccessDeniedException' || e.name === 'AccessDenied' || e.name === 'UnrecognizedClientException' || e.name === 'InvalidAccessKeyId') {
      return `AWS refused the request (${e.name}): ${e.message.split('\n')[0]} — use credentials of the operator role for this deployment`;
    }
    if (aws && (e.name === 'NoSuchBucket' || e.name === 'ResourceNotFoundException' || e.name === 'QueueDoesNotExist' || e.name === 'AWS.SimpleQueueService.NonExistentQueue')) {
      return `${e.message.split('\n')[0] || e.name}: the outputs file does not match this account and region (check --outputs, AWS_REGION and AWS_PROFILE)`;
    }
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ECONNRESET' || code === 'EAI_AGAIN') {
      if (!aws) return `cannot reach ${where ?? 'the local collector'} (${code}): start the collector with npm start (or set AUTHTRAIL_HOME to its state directory)`;
      return `cannot reach ${where ?? 'the AWS endpoint'} (${code}): check AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE>, the region and the network`;
    }
  }
  return undefined;
}
