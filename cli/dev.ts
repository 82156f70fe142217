import { loadConfig } from '../infra/config.ts';
import { homeDir, startLocal } from '../local/dev.ts';
import { StandInError } from '../local/standins.ts';
import { parseCommand } from './args.ts';

export async function dev(args: string[] = []): Promise<number> {
  parseCommand('dev', args, {});
  const { config, path } = loadConfig();
  const home = homeDir();
  const port = Number(process.env.PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StandInError(`PORT must be a port number, not "${process.env.PORT}"`);
  console.log(`authtrail: config ${path ?? '(built-in demo config)'}; state in ${home}`);
  const collector = await startLocal({ config, home, port });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const shutdown = (sig: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`authtrail: ${sig}, stopping`);
      collector.stop().finally(resolve);
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  return 0;
}
