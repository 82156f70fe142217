/**
 * cdk-nag acknowledgements, kept next to the resource they concern (cdk-nag 3 uses CDK's own
 * `Validations` API; each finding, e.g. `AwsSolutions-IAM5[Action::kms:GenerateDataKey*]`,
 * is acknowledged on its own).
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export function acknowledge(scope: IConstruct, reason: string, ...ids: string[]): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}
