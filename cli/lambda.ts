/**
 * Invoking a deployed function (AWS mode of `poll` and `redrive`): synchronously, with the
 * caller's credentials, reporting a function error as the function's own message.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

export interface Invocation {
  /** The function's error message when it failed (Lambda's FunctionError). */
  readonly error?: string | undefined;
  /** The function's answer, parsed from JSON (undefined for an empty answer). */
  readonly payload: unknown;
}

export interface Invoker {
  invoke(functionName: string, payload: unknown): Promise<Invocation>;
  close(): void;
}

/** Turns what Invoke answered into an Invocation. */
export function invocationOf(out: { FunctionError?: string | undefined; Payload?: Uint8Array | undefined }): Invocation {
  const text = out.Payload?.length ? Buffer.from(out.Payload).toString('utf8') : '';
  let payload: unknown;
  try { payload = text ? JSON.parse(text) : undefined; } catch { payload = text; }
  if (!out.FunctionError) return { payload };
  const p = payload as { errorMessage?: string; errorType?: string } | undefined;
  return { payload, error: p?.errorMessage ? `${p.errorType ? `${p.errorType}: ` : ''}${p.errorMessage}` : out.FunctionError };
}

export async function lambdaInvoker(client: LambdaClient = new LambdaClient({})): Promise<Invoker> {
  return {
    async invoke(functionName, payload) {
      return invocationOf(await client.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) })));
    },
    close: () => client.destroy(),
  };
}
