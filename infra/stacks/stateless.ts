import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { Config } from '../../lambdas/core/config.ts';
import { AuthTrailCollector } from '../constructs/collector.ts';
import { AuthTrailOperations } from '../constructs/operations.ts';
import type { AuthTrailStorage } from '../constructs/storage.ts';

export interface StatelessStackProps extends StackProps {
  readonly config: Config;
  readonly storage: AuthTrailStorage;
}

/** Compute and wiring: safe to destroy and redeploy. */
export class StatelessStack extends Stack {
  public readonly collector: AuthTrailCollector;
  public readonly operations: AuthTrailOperations;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { storage, config } = props;
    this.collector = new AuthTrailCollector(this, 'Collector', { config, table: storage.table, stateTable: storage.stateTable, key: storage.key, secretsKey: storage.secretsKey });
    new CfnOutput(this, 'ApiUrl', { value: this.collector.api.apiEndpoint, description: 'Base URL of the webhook API' });
    for (const s of config.sources.filter((x) => x.auth)) {
      new CfnOutput(this, `WebhookUrl-${s.id}`, { value: this.collector.sourceUrl(s.id), description: `Paste into ${s.kind} as the webhook / event hook URL of source ${s.id}` });
    }
    for (const [id, secret] of Object.entries(this.collector.sourceSecrets)) {
      const [sourceId, field] = id.split('/');
      const what = field ? `The ${field} of pull source ${sourceId} (put the real value in: aws secretsmanager put-secret-value --secret-id ...)` : `The webhook secret of source ${sourceId} (aws secretsmanager get-secret-value --secret-id ...)`;
      new CfnOutput(this, `SecretArn-${id}`, { value: secret.secretArn, description: what });
    }
    new CfnOutput(this, 'AlertTopicArn', { value: this.collector.alertTopic.topicArn });
    new CfnOutput(this, 'DashboardUrl', {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${this.collector.dashboard.dashboardName}`,
      description: 'The authtrail CloudWatch dashboard',
    });
    this.operations = new AuthTrailOperations(this, 'Operations', { operations: config.operations, alertTopic: this.collector.alertTopic, key: storage.key, alarmScope: this });
  }
}
