import { Tags, type App } from 'aws-cdk-lib';
import type { Config } from '../lambdas/core/config.ts';
import { StatefulStack } from './stacks/stateful.ts';
import { StatelessStack } from './stacks/stateless.ts';

/** Adds authtrail's two stacks to an app; tests call this with their own config. */
export function buildApp(app: App, config: Config, prefix = 'AuthTrail') {
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const stateful = new StatefulStack(app, `${prefix}Stateful`, { config, env, description: 'authtrail: key, hot table, archive (retained)' });
  const stateless = new StatelessStack(app, `${prefix}Stateless`, { config, storage: stateful.storage, env, description: 'authtrail: webhook API, intakes, alerts' });
  stateless.addStackDependency(stateful);
  Tags.of(app).add('app', 'authtrail');
  return { stateful, stateless };
}
