/**
 * Physical names derived from the deployment name: predictable for auditors and IAM policies,
 * unique per deployment, account and region, and computable in either stack without exports.
 */
import { Aws } from 'aws-cdk-lib';

export const archiveBucketName = (deploymentName: string) => `${deploymentName}-archive-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
export const resultsBucketName = (deploymentName: string) => `${deploymentName}-athena-results-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
/** Glue names take no hyphens. */
export const glueDatabaseName = (deploymentName: string) => deploymentName.replace(/-/g, '_');
