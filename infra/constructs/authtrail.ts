/**
 * `AuthTrail`: the whole collector as one L3 construct, for teams that embed it in their own
 * CDK app. The bundled app (`infra/app.ts`) splits the same two halves into a stateful and a
 * stateless stack instead.
 */
import { CfnOutput, RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/config.ts';
import { AuthTrailCollector } from './collector.ts';
import { AuthTrailStorage } from './storage.ts';
import { deploymentNameOf } from '../names.ts';

export interface AuthTrailProps {
  /** The validated `authtrail.config.json` (see `infra/config.ts#loadConfig`). */
  readonly config: Config;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class AuthTrail extends Construct {
  public readonly storage: AuthTrailStorage;
  public readonly collector: AuthTrailCollector;

  constructor(scope: Construct, id: string, props: AuthTrailProps) {
    super(scope, id);
    const deploymentName = deploymentNameOf(props.config);
    this.storage = new AuthTrailStorage(this, 'Storage', { deploymentName, retention: props.config.retention, tenants: props.config.tenants.map((t) => t.id), removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });
    this.collector = new AuthTrailCollector(this, 'Collector', {
      config: props.config,
      deploymentName,
      table: this.storage.table,
      stateTable: this.storage.stateTable,
      key: this.storage.key,
      secretsKey: this.storage.secretsKey,
    });
    new CfnOutput(this, 'ApiUrl', { value: this.collector.api.apiEndpoint });
  }
}
