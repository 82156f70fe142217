/**
 * Points every CloudWatch alarm of a scope at one SNS topic (alarm and back-to-OK), so no alarm
 * of authtrail can be added without an action. Applied as an Aspect, like cdk-nag.
 */
import type { IAspect } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';

export class AlarmActions implements IAspect {
  constructor(private readonly topic: sns.ITopic) {}

  visit(node: IConstruct): void {
    if (!(node instanceof cloudwatch.Alarm)) return;
    const action = new actions.SnsAction(this.topic);
    node.addAlarmAction(action);
    node.addOkAction(action);
  }
}
