import { OUTPUT_KEYS, privacyKeyOutputKey } from '../../cli/outputs.ts';
import { CfnOutput, CfnResource, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ConfigError, type Config } from '../../lambdas/core/config.ts';
import { AuthTrailStorage } from '../constructs/storage.ts';
import { needsKey } from '../../lambdas/core/privacy.ts';
import { deploymentNameOf, glueDatabaseName } from '../names.ts';

export interface StatefulStackProps extends StackProps {
  readonly config: Config;
}

/** CloudFormation's limit of resources per stack. */
const MAX_RESOURCES = 500;

/** Data that must outlive every deployment: keys, hot table, archive, and the auditors' Athena. */
export class StatefulStack extends Stack {
  public readonly storage: AuthTrailStorage;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: props.terminationProtection ?? true });
    this.storage = new AuthTrailStorage(this, 'Storage', {
      deploymentName: deploymentNameOf(props.config), retention: props.config.retention, capacity: props.config.capacity, tenants: props.config.tenants.map((t) => t.id),
      pseudonymizingTenants: props.config.tenants.filter((t) => needsKey(t.privacy)).map((t) => t.id),
      tenantArchiveDays: Object.fromEntries(props.config.tenants.flatMap((t) => (t.retention?.archiveDays ? [[t.id, t.retention.archiveDays]] : []))),
    });
    // Each tenant brings a workgroup, a policy and the named queries: say so before CloudFormation does.
    const count = this.node.findAll().filter((c) => c instanceof CfnResource).length;
    if (count > MAX_RESOURCES) {
      const perTenant = Object.values(this.storage.analytics.tenants)[0]?.namedQueries.length ?? 0;
      throw new ConfigError(`${props.config.tenants.length} tenants need ${count} resources in the stateful stack, more than the ${MAX_RESOURCES} CloudFormation allows (each tenant adds ${perTenant + 2}: its Athena workgroup, auditor policy and named queries); deploy fewer tenants per deployment`);
    }
    // What the operator commands read from cdk-outputs.json (`--outputs`, cli/outputs.ts).
    const st = this.storage;
    for (const [key, value, description] of [
      [OUTPUT_KEYS.bucket, st.archiveBucket.bucketName, 'The archive bucket (events/, alerts/, digests/, quarantine/)'],
      [OUTPUT_KEYS.table, st.table.tableName, 'The hot table'],
      [OUTPUT_KEYS.stateTable, st.stateTable.tableName, 'The state table (digest heads, cursors, detector state)'],
      [OUTPUT_KEYS.key, st.key.keyArn, 'The data key (archive, hot table, queues)'],
      [OUTPUT_KEYS.glueDatabase, glueDatabaseName(deploymentNameOf(props.config)), 'The Glue database of the events and alerts tables (Athena queries)'],
    ] as const) new CfnOutput(this, key, { value, description });
    for (const [tenant, secret] of Object.entries(st.privacyKeys)) {
      new CfnOutput(this, privacyKeyOutputKey(tenant), { value: secret.secretArn, description: `The pseudonym key of tenant ${tenant} (authtrail reveal reads it; grant it to investigators only)` });
    }
  }
}
