/**
 * The CDK app: the config, two stacks, and cdk-nag. Nothing else lives here.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfig } from './config.ts';
import { buildApp } from './build.ts';

const app = new App();
buildApp(app, loadConfig().config);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
