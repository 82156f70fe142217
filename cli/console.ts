/**
 * `authtrail console [--outputs <file>]`: where the web console is. Locally a link to the running
 * collector's console that signs the browser tab in (the local token rides in the URL fragment,
 * which no request carries); deployed, the `ConsoleUrl` output (analysts sign in through the
 * deployment's user pool).
 */
import { consoleUrl } from '../local/dev.ts';
import { OUTPUTS_OPTION, parseCommand } from './args.ts';
import { readEndpoints } from './endpoints.ts';
import { OUTPUT_KEYS, readOutputs } from './outputs.ts';

export async function consoleCommand(args: string[] = []): Promise<number> {
  const { values } = parseCommand('console', args, { ...OUTPUTS_OPTION });
  if (values.outputs) {
    console.log(readOutputs(values.outputs).need(OUTPUT_KEYS.consoleUrl, 'the web console\'s address; none is deployed when the config says "console": {"enabled": false}'));
    return 0;
  }
  console.log(consoleUrl(readEndpoints()));
  return 0;
}
