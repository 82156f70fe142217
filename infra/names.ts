/**
 * Physical names derived from the deployment name (`operations.deploymentName`, default
 * `authtrail`): predictable for auditors and IAM policies, unique per deployment, account and
 * region, and computable in either stack without exports. The default name gives exactly the
 * names deployments had before the setting existed, so an upgrade renames nothing.
 */
import { Aws, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export { DEFAULT_DEPLOYMENT_NAME, deploymentNameOf, stackNames } from '../lambdas/core/operations-config.ts';

export const archiveBucketName = (deploymentName: string) => `${deploymentName}-archive-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
export const resultsBucketName = (deploymentName: string) => `${deploymentName}-athena-results-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
/** Glue names take no hyphens. */
export const glueDatabaseName = (deploymentName: string) => deploymentName.replace(/-/g, '_');
/** The Athena workgroup of one tenant's auditors. */
export const tenantWorkGroupName = (deploymentName: string, tenant: string) => `${deploymentName}-${tenant}`;
/** Secrets Manager names of the secrets the stack generates start with this (then a per-stack part). */
export const secretNamePrefix = (deploymentName: string) => `${deploymentName}/`;
/** The CloudWatch dashboard (then a per-stack part). */
export const dashboardNamePrefix = (deploymentName: string) => `${deploymentName}-`;
/**
 * The `service` dimension of authtrail's EMF metrics (Powertools' service name), which the alarms
 * and the dashboard select: two deployments in one account publish to the same `authtrail`
 * namespace and are told apart by it.
 */
export const metricsService = (deploymentName: string) => deploymentName;

/** The ARN of a table of this account and region by name (the previous layout's hot table while upgrading). */
export const legacyTableArn = (scope: IConstruct, tableName: string) =>
  Stack.of(scope).formatArn({ service: 'dynamodb', resource: 'table', resourceName: tableName });
