/**
 * Invoking a deployed function (AWS mode of `poll` and `redrive`): synchronously, with the
 * caller's credentials, reporting a function error as the function's own message.
 *
 * The Lambda client is loaded when first needed, so that the commands that never invoke a
 * function do not depend on it; without the package installed, the command says so in one line.
 */
import { CliError } from './errors.ts';

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

interface LambdaModule {
  LambdaClient: new (config: object) => { send(command: unknown): Promise<{ FunctionError?: string; Payload?: Uint8Array }>; destroy(): void };
  InvokeCommand: new (input: object) => unknown;
}

/** The package, named in a variable so that a missing install is a runtime message, not a type error. */
const LAMBDA_PACKAGE = '@aws-sdk/client-lambda';

/** Turns what Invoke answered into an Invocation. */
export function invocationOf(out: { FunctionError?: string | undefined; Payload?: Uint8Array | undefined }): Invocation {
  const text = out.Payload?.length ? Buffer.from(out.Payload).toString('utf8') : '';
  let payload: unknown;
  try { payload = text ? JSON.parse(text) : undefined; } catch { payload = text; }
  if (!out.FunctionError) return { payload };
  const p = payload as { errorMessage?: string; errorType?: string } | undefined;
  return { payload, error: p?.errorMessage ? `${p.errorType ? `${p.errorType}: ` : ''}${p.errorMessage}` : out.FunctionError };
}

export async function lambdaInvoker(): Promise<Invoker> {
  let mod: LambdaModule;
  try {
    mod = await import(LAMBDA_PACKAGE) as LambdaModule;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    throw new CliError(`${LAMBDA_PACKAGE} is not installed, and invoking a deployed function needs it: run npm ci (or npm install ${LAMBDA_PACKAGE})`);
  }
  const client = new mod.LambdaClient({});
  return {
    async invoke(functionName, payload) {
      return invocationOf(await client.send(new mod.InvokeCommand({ FunctionName: functionName, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(payload)) })));
    },
    close: () => client.destroy(),
  };
}
