/**
 * `npx authtrail <command>` (CONTRACT §7).
 */
import { ConfigError } from '../lambdas/core/config.ts';
import { StandInError } from '../local/standins.ts';
import { QueryParamError } from '../lambdas/core/named-queries.ts';
import { CliError, explain, UsageError } from './errors.ts';

export { UsageError };

export const USAGE = `usage: authtrail <command>

  dev                          run the collector locally (what npm start runs)
  send <sourceId> <file>       post a file of vendor events to the running collector
  poll <sourceId> [--outputs <file>]
                               run one poll of a pull source now (locally against its baseUrl;
                               with --outputs by the deployed poller function)
  flush                        archive everything the running collector holds pending, now
  query "<SQL>" [--json]       run SQL over the archive (tables events, alerts); --athena: in Athena
  query --named <name> [--param key=value ...] [--json] [--athena] [--outputs <file>]
                               run one of the auditor queries in queries/
  verify [--tenant t] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--outputs <file>]
                               check the archive against its digest chain (exit 1 on any finding)
  compact [--tenant t] [--day YYYY-MM-DD] [--outputs <file>]
                               merge the archive's objects into one per tenant-day (more above
                               about 256 MB of Parquet), for every closed day (over for 27 h) or,
                               with --day, that day if it is before today; with --outputs by the
                               deployed compactor
  reveal --tenant t --reason "<why>" <pseudonym> [--json] [--outputs <file>]
                               the clear value behind a pseudonym of a tenant whose privacy
                               policy pseudonymizes (recorded in the access log first)
  pseudonym --tenant t --reason "<why>" <value> [--json] [--outputs <file>]
                               the pseudonyms such a tenant stores for a clear value (an email,
                               login, id or address), to search its events by (recorded first)
  erase --tenant t --user <id|login|email> --reason "<why>" [--from YYYY-MM-DD] [--to YYYY-MM-DD]
        [--dry-run] [--json] [--outputs <file>]
                               erase one data subject's events, alerts, hot items, detector
                               state and the quarantined bodies naming them; the digest chain
                               records each rewrite; with --outputs by the deployed eraser
  quarantine [--json] [--outputs <file>]
                               list quarantined bodies and events with their reasons
  quarantine replay [<id>] [--outputs <file>]
                               run them through the current normalizers again (after a fix)
  redrive <queue> [--dry-run] --outputs <file>
                               send a dead-letter queue's messages back to the function that
                               failed them (queues: archiver, detector, eventbridge,
                               feed-health, poller); --dry-run lists them and changes nothing
  report --tenant t [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--out <dir>] [--outputs <file>]
                               write the evidence pack of one tenant and period: report.html and
                               report.json (default: the last 90 days, into ./report)
  backfill --tenant t --from YYYY-MM-DD [--to YYYY-MM-DD] [--dry-run] [--skip-detect] [--json]
           [--outputs <file>]
                               re-archive days from the hot table that the archive misses (events
                               stored over 25 h ago) and re-run the detector on them
  timeline --tenant t (--user <email|login|id> | --ip <addr> | --since <dur>) [--until <time>]
           [--limit n] [--cursor c] [--json] [--outputs <file>]
                               the tenant's events from the hot table, newest first, across all its
                               sources: a user's (matched by email, login or id, with their aliases
                               on other identity providers), an IP's (default the last 24 h), or
                               all of a window; --json prints one object per line
  console [--outputs <file>]   print the web console's address: locally a link that signs this
                               browser in with the local token; deployed, the page that signs
                               analysts in through the user pool
  export ocsf --tenant t --from YYYY-MM-DD --to YYYY-MM-DD --account-id <12 digits>
         [--region r] [--out <dir>] [--outputs <file>]
                               write the tenant's events of the period as OCSF 1.3.0 Parquet in
                               the Amazon Security Lake custom-source layout (default dir ocsf;
                               region from AWS_REGION when not given)

  --outputs <file>             run against a deployed stack: the file cdk deploy --outputs-file
                               wrote; credentials and region from the standard AWS configuration
`;

// Each command's module is loaded when it runs: a command starts without loading every other
// command's dependencies (the AWS SDK clients, DuckDB, the Parquet code).
export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'dev': return await (await import('./dev.ts')).dev(args);
      case 'send': return await (await import('./send.ts')).send(args);
      case 'flush': return await (await import('./flush.ts')).flush(args);
      case 'poll': return await (await import('./poll.ts')).poll(args);
      case 'query': return await (await import('./query.ts')).query(args);
      case 'verify': return await (await import('./verify.ts')).verify(args);
      case 'reveal': return await (await import('./reveal.ts')).reveal(args);
      case 'pseudonym': return await (await import('./pseudonym.ts')).pseudonymCommand(args);
      case 'erase': return await (await import('./erase.ts')).erase(args);
      case 'compact': return await (await import('./compact.ts')).compact(args);
      case 'quarantine': return await (await import('./quarantine.ts')).quarantine(args);
      case 'redrive': return await (await import('./redrive.ts')).redrive(args);
      case 'backfill': return await (await import('./backfill.ts')).backfill(args);
      case 'report': return await (await import('./report.ts')).report(args);
      case 'export': return await (await import('./export.ts')).exportCommand(args);
      case 'timeline': return await (await import('./timeline.ts')).timeline(args);
      case 'console': return await (await import('./console.ts')).consoleCommand(args);
      case undefined: case 'help': case '--help': case '-h':
        if (command && args.length) throw new UsageError(`${command} takes no arguments`);
        (command ? process.stdout : process.stderr).write(USAGE);
        return command ? 0 : 2;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) { process.stderr.write(`authtrail: ${err.message}\n\n${USAGE}`); return 2; }
    if (err instanceof CliError || err instanceof ConfigError || err instanceof StandInError || err instanceof QueryParamError) { process.stderr.write(`authtrail: ${err.message}\n`); return 1; }
    const line = explain(err, undefined, args.some((a) => a === '--outputs' || a.startsWith('--outputs=')));
    if (line) { process.stderr.write(`authtrail: ${line}\n`); return 1; }
    // Not a user error: a bug, whose stack is what a report needs.
    process.stderr.write(`authtrail: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    return 1;
  }
}
