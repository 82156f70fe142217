/**
 * The stateful half of authtrail: KMS key, hot table and archive bucket. Everything here is
 * RETAIN and deletion-protected: redeploying or deleting the stateless stack never loses events.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as cloudtrail from 'aws-cdk-lib/aws-cloudtrail';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';
import { AuthTrailAnalytics } from './analytics.ts';
import { archiveBucketName, DEFAULT_DEPLOYMENT_NAME } from '../names.ts';
import { Capacity, type Retention } from '../../lambdas/core/config.ts';
import { TABLE_LAYOUT } from '../../lambdas/adapters/table-layout.ts';

export interface AuthTrailStorageProps {
  /**
   * Distinguishes several authtrail deployments in one account and region: bucket names, Glue
   * database, Athena workgroups (`operations.deploymentName` of the config).
   * @default 'authtrail'
   */
  readonly deploymentName?: string;
  /** Hot TTL, archive lifecycle and optional Object Lock. */
  readonly retention: Retention;
  /**
   * DynamoDB billing of both tables and the hot table's class.
   * @default on-demand, Standard
   */
  readonly capacity?: Capacity;
  /** Tenant ids: the Glue tables' `tenant` partition projection. */
  readonly tenants: readonly string[];
  /**
   * Tenants whose privacy policy pseudonymizes: each gets its pseudonym key, a generated Secrets
   * Manager secret kept here, beside the data, for as long as the data (README, "Privacy").
   * @default none
   */
  readonly pseudonymizingTenants?: readonly string[];
  /**
   * Tenants' own archive days (`tenants[].retention.archiveDays`): the archive's lifecycle rules
   * then go per tenant prefix, each tenant's with its own expiry.
   * @default every tenant keeps `retention.archiveDays`
   */
  readonly tenantArchiveDays?: Readonly<Record<string, number>>;
  /**
   * Athena cancels a query that would scan more than this many bytes.
   * @default 10 GiB
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * What happens to the table, bucket and key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class AuthTrailStorage extends Construct {
  public readonly key: kms.Key;
  /** Encrypts the sources' Secrets Manager secrets only: no data reader can decrypt a secret. */
  public readonly secretsKey: kms.Key;
  public readonly table: dynamodb.Table;
  /** Bookkeeping that must survive redeploys: digest chain heads, cursors, rule state, the pseudonym vault. */
  public readonly stateTable: dynamodb.Table;
  /** Per pseudonymizing tenant: its pseudonym key (64 hexadecimal characters, generated, never in a template). */
  public readonly privacyKeys: Record<string, secretsmanager.Secret> = {};
  public readonly archiveBucket: s3.Bucket;
  public readonly analytics: AuthTrailAnalytics;
  public readonly accessLogsBucket: s3.Bucket;
  /** CloudTrail data events on the archive (every read, write and delete of events/, alerts/, access/), into the access-log bucket. */
  public readonly dataEventsTrail: cloudtrail.Trail;

  constructor(scope: Construct, id: string, props: AuthTrailStorageProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const deploymentName = props.deploymentName ?? DEFAULT_DEPLOYMENT_NAME;
    const r = props.retention;
    if (r.glacierAfterDays <= r.infrequentAccessAfterDays)
      throw new Error(`retention.glacierAfterDays (${r.glacierAfterDays}) must be later than retention.infrequentAccessAfterDays (${r.infrequentAccessAfterDays})`);
    if (r.archiveDays <= r.glacierAfterDays)
      throw new Error(`retention.archiveDays (${r.archiveDays}) must be later than retention.glacierAfterDays (${r.glacierAfterDays})`);

    this.key = new kms.Key(this, 'Key', {
      description: 'authtrail: hot table, archive, alerts and queues',
      enableKeyRotation: true,
      removalPolicy,
    });

    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      description: 'authtrail: Secrets Manager secrets of the sources (webhook secrets, pull credentials)',
      enableKeyRotation: true,
      removalPolicy,
    });

    // `HotEvents`, not the previous layout's `HotTable`: a key schema cannot change in place. An
    // upgraded stack leaves the previous table in place (RETAIN) for `upgrade.legacyHotTable`.
    const capacity = props.capacity ?? Capacity.parse({});
    const provisioned = capacity.billing === 'provisioned';
    const billing = provisioned
      ? { billingMode: dynamodb.BillingMode.PROVISIONED, readCapacity: capacity.minReadUnits, writeCapacity: capacity.minWriteUnits }
      : { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST };
    this.table = new dynamodb.Table(this, 'HotEvents', {
      partitionKey: { name: TABLE_LAYOUT.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_LAYOUT.sortKey, type: dynamodb.AttributeType.STRING },
      ...billing,
      tableClass: capacity.hotTableClass === 'standard-ia' ? dynamodb.TableClass.STANDARD_INFREQUENT_ACCESS : dynamodb.TableClass.STANDARD,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: TABLE_LAYOUT.ttlAttribute,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
    for (const index of TABLE_LAYOUT.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.KEYS_ONLY,
        ...(provisioned ? { readCapacity: capacity.minReadUnits, writeCapacity: capacity.minWriteUnits } : {}),
      });
    }

    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      ...billing,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expires_at',
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });

    if (provisioned) {
      // Autoscaled to 70 % use: headroom for a spike while autoscaling adds capacity.
      const scale = (units: dynamodb.IScalableTableAttribute) => units.scaleOnUtilization({ targetUtilizationPercent: 70 });
      const write = { minCapacity: capacity.minWriteUnits, maxCapacity: capacity.maxWriteUnits };
      const read = { minCapacity: capacity.minReadUnits, maxCapacity: capacity.maxReadUnits };
      for (const t of [this.table, this.stateTable]) {
        scale(t.autoScaleWriteCapacity(write));
        scale(t.autoScaleReadCapacity(read));
      }
      for (const index of TABLE_LAYOUT.indexes) {
        scale(this.table.autoScaleGlobalSecondaryIndexWriteCapacity(index.name, write));
        scale(this.table.autoScaleGlobalSecondaryIndexReadCapacity(index.name, read));
      }
    }

    // S3 server access logs cannot be delivered to an SSE-KMS bucket: this one uses SSE-S3.
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(Math.max(365, r.hotDays)) }],
      removalPolicy,
    });
    acknowledge(this.accessLogsBucket, 'This is the access-log bucket itself; logging it to itself would loop.', 'AwsSolutions-S1');

    const tiering = (prefix: string, days = r.archiveDays): s3.LifecycleRule => ({
      id: `tier-${prefix.replace(/\/$/, '').replace(/[/=]/g, '-')}`,
      prefix,
      transitions: [
        { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(r.infrequentAccessAfterDays) },
        { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(r.glacierAfterDays) },
      ].filter((t) => days > t.transitionAfter.toDays()), // S3 refuses a transition at or after the expiry
      expiration: Duration.days(days),
    });
    // Per-tenant archive days: S3 applies the shortest expiry of all rules that match an object,
    // so a tenant's own days need rules on its prefixes and no bucket-wide rule over them.
    const perTenant = props.tenantArchiveDays && Object.keys(props.tenantArchiveDays).length > 0;
    const archiveRules = perTenant
      ? props.tenants.flatMap((t) => ['events', 'alerts'].map((p) => tiering(`${p}/tenant=${t}/`, props.tenantArchiveDays?.[t] ?? r.archiveDays)))
      : [tiering('events/'), tiering('alerts/')];
    for (const [t, days] of Object.entries(props.tenantArchiveDays ?? {})) {
      if (r.objectLock && days < r.archiveDays)
        throw new Error(`tenants ${t}: retention.archiveDays (${days}) is shorter than the Object Lock retention of the archive (${r.archiveDays} days): locked objects cannot expire earlier; lower retention.archiveDays or the tenant's days`);
    }
    this.archiveBucket = new s3.Bucket(this, 'Archive', {
      bucketName: archiveBucketName(deploymentName),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'archive/',
      ...(r.objectLock
        ? {
            objectLockEnabled: true,
            objectLockDefaultRetention: r.objectLock === 'compliance'
              ? s3.ObjectLockRetention.compliance(Duration.days(r.archiveDays))
              : s3.ObjectLockRetention.governance(Duration.days(r.archiveDays)),
          }
        : {}),
      lifecycleRules: [
        ...archiveRules,
        { id: 'expire-quarantine', prefix: 'quarantine/', expiration: Duration.days(r.quarantineDays) },
        { id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      removalPolicy,
    });

    for (const tenant of props.pseudonymizingTenants ?? []) {
      // 64 hexadecimal characters (256 bits): what core/privacy.ts reads as the tenant's HMAC key.
      const secret = new secretsmanager.Secret(this, `PrivacyKey-${tenant}`, {
        description: `authtrail: pseudonym key of tenant ${tenant} (HMAC-SHA256; losing it unlinks every pseudonym from its person)`,
        encryptionKey: this.secretsKey,
        generateSecretString: { passwordLength: 64, excludeUppercase: true, excludePunctuation: true, includeSpace: false, excludeCharacters: 'ghijklmnopqrstuvwxyz', requireEachIncludedType: false },
        removalPolicy,
      });
      acknowledge(secret, 'A pseudonym key must never change: a new key would give every person a new pseudonym and split their history.', 'AwsSolutions-SMG4');
      this.privacyKeys[tenant] = secret;
    }

    // Who read the archive, from AWS's side (README, Privacy): CloudTrail data events of the
    // archive's personal data, beside authtrail's own access log. Data events only: the account's
    // management events are its own trail's business.
    this.dataEventsTrail = new cloudtrail.Trail(this, 'ArchiveDataEvents', {
      bucket: this.accessLogsBucket,
      s3KeyPrefix: 'cloudtrail',
      encryptionKey: this.key,
      enableFileValidation: true,
      includeGlobalServiceEvents: false,
      isMultiRegionTrail: false,
      managementEvents: cloudtrail.ReadWriteType.NONE,
      sendToCloudWatchLogs: false,
    });
    this.dataEventsTrail.addS3EventSelector(['events/', 'alerts/', 'access/'].map((objectPrefix) => ({ bucket: this.archiveBucket, objectPrefix })), { readWriteType: cloudtrail.ReadWriteType.ALL, includeManagementEvents: false });
    acknowledge(this.dataEventsTrail, 'The trail records data events of the archive only; its log files are validated and encrypted, and alarms on it are the account\'s own trail\'s business.', 'AwsSolutions-CT1');

    this.analytics = new AuthTrailAnalytics(this, 'Analytics', {
      deploymentName,
      tenants: props.tenants,
      accessLogsBucket: this.accessLogsBucket,
      key: this.key,
      bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
      removalPolicy,
    });
  }
}
