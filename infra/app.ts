/**
 * The CDK app: the config, two stacks, and cdk-nag. Nothing else lives here.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { deployConfig } from './config.ts';
import { ConfigError } from '../lambdas/core/config.ts';
import { buildApp } from './build.ts';

const app = new App();
try {
  buildApp(app, deployConfig(app.node.tryGetContext('demo')));
} catch (err) {
  // A user error is one line with the fix, not a stack trace.
  if (!(err instanceof ConfigError)) throw err;
  console.error(`authtrail: ${err.message}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
