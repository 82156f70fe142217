import { Tags, type App } from 'aws-cdk-lib';
import type { Config } from '../lambdas/core/config.ts';
import { StatefulStack } from './stacks/stateful.ts';
import { StatelessStack } from './stacks/stateless.ts';
import { DEFAULT_DEPLOYMENT_NAME, deploymentNameOf, stackNames } from './names.ts';

/**
 * Adds authtrail's two stacks to an app; tests call this with their own config. The stacks are
 * named after `operations.deploymentName` (`AuthTrailStateful`/`AuthTrailStateless` for the
 * default, `ClientBStateful`/`ClientBStateless` for `client-b`).
 */
export function buildApp(app: App, config: Config) {
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const deploymentName = deploymentNameOf(config);
  const names = stackNames(deploymentName);
  const what = `authtrail${deploymentName === DEFAULT_DEPLOYMENT_NAME ? '' : ` (${deploymentName})`}`;
  const stateful = new StatefulStack(app, names.stateful, { config, env, description: `${what}: key, hot table, archive (retained)` });
  const stateless = new StatelessStack(app, names.stateless, { config, storage: stateful.storage, env, description: `${what}: webhook API, intakes, alerts` });
  stateless.addStackDependency(stateful);
  Tags.of(app).add('app', 'authtrail');
  return { stateful, stateless };
}
