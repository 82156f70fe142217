import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/config.ts';
import { AuthTrailStorage } from '../constructs/storage.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: Config;
}

/** Data that must outlive every deployment: key, hot table, archive. */
export class StatefulStack extends Stack {
  public readonly storage: AuthTrailStorage;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: props.terminationProtection ?? true });
    this.storage = new AuthTrailStorage(this, 'Storage', { retention: props.config.retention, tenants: props.config.tenants.map((t) => t.id) });
  }
}
