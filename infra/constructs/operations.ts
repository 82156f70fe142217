/**
 * Operations from the config's `operations`: where authtrail's alarms go (an existing topic, or a
 * new one with an e-mail subscription) and who receives which alerts (subscriptions to the alert
 * topic with filter policies on the `tenant` and `severity` message attributes).
 */
import { Aspects, CfnOutput } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { severitiesFrom, type Operations } from '../../lambdas/core/operations-config.ts';
import { AlarmActions } from '../aspects/alarm-actions.ts';

export interface AuthTrailOperationsProps {
  readonly operations: Operations | undefined;
  readonly alertTopic: sns.ITopic;
  /** Encrypts a topic created for alarms. */
  readonly key: kms.IKey;
  /** The scope whose alarms get the action (the stateless stack). */
  readonly alarmScope: Construct;
}

export class AuthTrailOperations extends Construct {
  public readonly alarmTopic: sns.ITopic | undefined;

  constructor(scope: Construct, id: string, props: AuthTrailOperationsProps) {
    super(scope, id);
    const o = props.operations;
    if (o?.alarmTopicArn) this.alarmTopic = sns.Topic.fromTopicArn(this, 'AlarmTopic', o.alarmTopicArn);
    else if (o?.alarmEmail) {
      const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: props.key, enforceSSL: true, displayName: 'authtrail alarms' });
      topic.addSubscription(new subscriptions.EmailSubscription(o.alarmEmail));
      this.alarmTopic = topic;
    }
    if (this.alarmTopic) {
      Aspects.of(props.alarmScope).add(new AlarmActions(this.alarmTopic));
      new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Every authtrail alarm notifies this topic' });
    }
    for (const [i, s] of (o?.alertSubscriptions ?? []).entries()) {
      const filterPolicy: Record<string, sns.SubscriptionFilter> = {};
      if (s.tenants) filterPolicy['tenant'] = sns.SubscriptionFilter.stringFilter({ allowlist: s.tenants });
      if (s.minSeverity) filterPolicy['severity'] = sns.SubscriptionFilter.stringFilter({ allowlist: severitiesFrom(s.minSeverity) });
      // No filter at all (not an empty one, which SNS refuses) when the subscription takes every alert.
      const opts = Object.keys(filterPolicy).length ? { filterPolicy } : {};
      const sub = s.protocol === 'email' ? new subscriptions.EmailSubscription(s.endpoint, opts)
        : s.protocol === 'https' ? new subscriptions.UrlSubscription(s.endpoint, { ...opts, protocol: sns.SubscriptionProtocol.HTTPS })
        : s.protocol === 'sms' ? new subscriptions.SmsSubscription(s.endpoint, opts)
        : s.protocol === 'sqs' ? new subscriptions.SqsSubscription(sqs.Queue.fromQueueArn(this, `Queue${i}`, s.endpoint), { ...opts, rawMessageDelivery: false })
        : new subscriptions.LambdaSubscription(lambda.Function.fromFunctionArn(this, `Function${i}`, s.endpoint), opts);
      props.alertTopic.addSubscription(sub);
    }
  }
}
