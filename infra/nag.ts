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

/**
 * How cdk-nag spells a name built from pseudo parameters (`${Token[AWS.AccountId.8]}` →
 * `<AWS::AccountId>`), for acknowledging a finding on a resource ARN.
 */
export function nagResource(tokenized: string): string {
  return tokenized.replace(/\$\{Token\[AWS\.(\w+)\.\d+\]\}/g, '<AWS::$1>');
}
