import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { CrlFetcher, type CrlFetchOptions } from './fetcher.js';
import { buildAlarms } from './alarms.js';
import { BASIC_EXECUTION_POLICY, bundledFunction, functionDefaults } from './functions.js';
import { CrlHttpAuthorizer } from './http-authorizer.js';
import {
  grantCaCertificateRead,
  grantPrivateCaPublish,
  privateCaEnvironment,
  type PrivateCaSource,
} from './private-ca.js';
import { AUTHORIZER_TIMEOUT_SECONDS, DEFAULT_MAX_CRL_ENTRIES, sizeForOrLargest, type Sizing } from './sizing.js';
import { validateProps } from './validate.js';


export const DEFAULT_CRL_SUFFIXES = ['.crl', '.crl.pem'] as const;
/**
 * No reservation by default: Lambda keeps at least 100 of an account's concurrency unreserved, and a new account's
 * limit can be 10, so any reservation fails there. Reserve with `reservedConcurrency` where the account allows.
 */
export const DEFAULT_RESERVED_CONCURRENCY = 'none';
/** DESIGN.md's authorizer defaults: revalidate in the background every 10 s, wait for the store past 60 s. */
export const DEFAULT_REVALIDATE_SECONDS = 10;
export const DEFAULT_FRESH_SECONDS = 60;

/** The id aws-s3 gives its notifications custom resource handler in a stack. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';
const NOTIFICATIONS_LOGS_ID = 'CrlBucketNotificationsHandlerLogs';

export type AuthorizerResponse = 'policy' | 'simple';
export type { PrivateCaSource } from './private-ca.js';

export interface CrlAuthorizerProps {
  /**
   * A bucket to use instead of building one. Its policy, encryption and notifications stay yours; the construct
   * adds event notifications and least-privilege grants.
   * @default - a new bucket with the secure defaults below
   */
  readonly bucket?: s3.IBucket;
  /**
   * Overrides for the bucket the construct builds (not allowed together with `bucket`). Applied over the secure
   * defaults: all public access blocked, S3-managed encryption, TLS enforced, versioned, bucket owner enforced,
   * noncurrent versions expire after 30 days.
   * @default - the secure defaults
   */
  readonly bucketProps?: s3.BucketProps;
  /**
   * Where CRLs, CA certificates and blobs live in the bucket: empty, or a path ending in `/` (`crls/`).
   * @default '' (the whole bucket)
   */
  readonly prefix?: string;
  /**
   * Key suffixes that mark a CRL (DESIGN.md "Object names"). One must not end with another.
   * @default ['.crl', '.crl.pem']
   */
  readonly crlSuffixes?: string[];
  /**
   * One CA certificate file (relative to the prefix) for every CRL, instead of `<name>.ca.pem` beside each.
   * @default - `<crl name>.ca.pem`
   */
  readonly caCertKey?: string;
  /**
   * Accept CRLs without nextUpdate (CRL_ALLOW_NO_NEXT_UPDATE). They then never expire.
   * @default false
   */
  readonly allowNoNextUpdate?: boolean;
  /**
   * The largest CRL expected, in entries: sets both functions' memory and the preprocessor's timeout from the
   * measured sizing table (infra/sizing.ts, docs/deploy.md "Sizing for the CRL"). Above the largest measured size,
   * give `authorizerMemorySize` and `preprocessorMemorySize` yourself.
   * @default 10_000_000
   */
  readonly maxCrlEntries?: number;
  /**
   * Reserved concurrency of the authorizer: caps its share of the account's concurrency and guarantees it.
   * Lambda keeps 100 of the account's concurrency unreserved, so reserving needs an account limit above
   * 100 + everything reserved.
   * @default 'none'
   */
  readonly reservedConcurrency?: number | 'none';
  /**
   * Provisioned concurrency on the authorizer's `live` alias (no cold starts for that many environments).
   * @default - none
   */
  readonly provisionedConcurrency?: number;
  /**
   * Reserved concurrency of the preprocessor. 1 serialises CRL processing, so two uploads of the same CRL name
   * cannot race between reading the current blob (rollback check) and writing the new one.
   * @default 'none' (see `reservedConcurrency` for why)
   */
  readonly preprocessorReservedConcurrency?: number | 'none';
  /**
   * Memory of the authorizer in MiB (CPU and network bandwidth scale with it).
   * @default - from `maxCrlEntries` and the sizing table
   */
  readonly authorizerMemorySize?: number;
  /**
   * Memory of the preprocessor in MiB.
   * @default - from `maxCrlEntries` and the sizing table
   */
  readonly preprocessorMemorySize?: number;
  /**
   * CRL_REVALIDATE_SECONDS: a round of conditional GETs starts in the background once this long has passed since
   * the last; `0` makes every request wait for its own GET (one S3 request charge and the store's latency each).
   * @default 10
   */
  readonly revalidateSeconds?: number;
  /**
   * CRL_FRESH_SECONDS: an index the store has not confirmed for this long makes a request wait for a round.
   * @default 60
   */
  readonly freshSeconds?: number;
  /**
   * CRL_MAX_STALE_SECONDS: how long a cached index keeps answering while the store is unreachable.
   * @default 300
   */
  readonly maxStaleSeconds?: number;
  /**
   * CRL_NEXT_UPDATE_GRACE_SECONDS: how long past nextUpdate a CRL still allows.
   * @default 0
   */
  readonly nextUpdateGraceSeconds?: number;
  /**
   * CRL_STORE_TIMEOUT_MS: time to first byte of every store call, and the longest stall of a body.
   * @default 2000
   */
  readonly storeTimeoutMs?: number;
  /**
   * CRL_LOAD_TIMEOUT_MS: the whole load of one blob (under API Gateway's 10 s authorizer limit).
   * @default 8000
   */
  readonly loadTimeoutMs?: number;
  /**
   * Keys of the blobs the authorizer loads (CRL_CACHE_KEYS), relative to the prefix.
   * @default - every `*.cache.bin` under the prefix, listed at cold start
   */
  readonly cacheKeys?: string[];
  /**
   * AUTHORIZER_RESPONSE: `simple` answers HTTP API payload 2.0 with `{isAuthorized, context}`; REST and payload
   * 1.0 always get an IAM policy.
   * @default 'policy'
   */
  readonly responseType?: AuthorizerResponse;
  /**
   * Retention of every log group the construct creates (both functions', and that of CDK's bucket-notifications
   * handler in the stack).
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The freshness alarm fires when a CRL that judged a request is older (since its thisUpdate) than this. Set it
   * to your CRLs' validity (nextUpdate - thisUpdate) minus the warning you want; the default suits AWS Private
   * CA's default 7-day CRLs with a day's warning. Requests judged by an expired CRL raise `crlExpiredAlarm`.
   * @default Duration.days(6)
   */
  readonly maxCrlAge?: Duration;
  /**
   * The nextUpdate alarm fires when a CRL that judged a request has less than this left before its nextUpdate,
   * whatever its validity period: the warning to publish the next CRL.
   * @default Duration.days(1)
   */
  readonly nextUpdateWarning?: Duration;
  /**
   * An action for every alarm (for example an SNS topic action).
   * @default - alarms without actions
   */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /**
   * Where failed preprocessor invocations (rejected CRLs, after retries) go.
   * @default - none: the failure is visible through the alarm and the log
   */
  readonly preprocessorOnFailure?: lambda.IDestination;
  /**
   * AWS Private CAs that publish CRLs into the bucket the construct builds. The bucket policy lets
   * `acm-pca.amazonaws.com` write there (and use the bucket's KMS key, if any); the preprocessor gets each CA's
   * certificate from the service (`PRIVATE_CA_ARNS`, `PRIVATE_CA_PATHS`), so no `.ca.pem` is needed.
   * @default - none
   */
  readonly privateCas?: PrivateCaSource[];
  /**
   * Fetch CRLs from their URLs on a schedule and write each to `<name>.crl` when it changed (infra/fetcher.ts).
   * @default - no fetcher: CRLs are uploaded
   */
  readonly fetch?: CrlFetchOptions;
}

/**
 * CRL revocation checking for API Gateway mutual TLS: a bucket for CRLs, an S3-triggered preprocessor that turns
 * each verified CRL into a packed blob, and a Lambda authorizer that checks client certificates against the blobs.
 */
export class CrlAuthorizer extends Construct {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
  readonly crlSuffixes: readonly string[];
  /** Memory and timeouts chosen for `maxCrlEntries` (before the memory props override them). */
  readonly sizing: Sizing;
  readonly preprocessor: NodejsFunction;
  readonly preprocessorLogGroup: logs.LogGroup;
  readonly authorizerFunction: NodejsFunction;
  readonly authorizerLogGroup: logs.LogGroup;
  /** What API Gateway invokes: the `live` alias (with provisioned concurrency when configured). */
  readonly authorizerAlias: lambda.Alias;
  readonly preprocessorErrorsAlarm: cloudwatch.Alarm;
  readonly authorizerErrorsAlarm: cloudwatch.Alarm;
  readonly authorizerThrottlesAlarm: cloudwatch.Alarm;
  /** A CRL in use is older than `maxCrlAge`: its nextUpdate is approaching. */
  readonly crlAgeAlarm: cloudwatch.Alarm;
  /** A CRL in use has less than `nextUpdateWarning` left before its nextUpdate. */
  readonly nextUpdateAlarm: cloudwatch.Alarm;
  /** Requests were denied because the CRL covering them is past its nextUpdate (code `crl.expired`). */
  readonly crlExpiredAlarm: cloudwatch.Alarm;
  /** A denylist refresh failed (metric `DenylistRefreshFailed`): the last good denylist stays in force. */
  readonly denylistAlarm: cloudwatch.Alarm;
  readonly alarms: readonly cloudwatch.Alarm[];
  /** For HTTP APIs: payload format 2.0, no identity source, result caching off. */
  readonly httpAuthorizer: apigwv2.IHttpRouteAuthorizer;
  private restAuthorizerInstance?: apigw.RequestAuthorizer;
  /** The scheduled CRL fetcher, when `fetch` is given. */
  readonly fetcher?: CrlFetcher;
  private readonly logRetention: logs.RetentionDays;

  constructor(scope: Construct, id: string, props: CrlAuthorizerProps = {}) {
    super(scope, id);
    validateProps(this, props);
    this.prefix = props.prefix ?? '';
    this.crlSuffixes = [...(props.crlSuffixes ?? DEFAULT_CRL_SUFFIXES)];
    this.sizing = sizeForOrLargest(props.maxCrlEntries ?? DEFAULT_MAX_CRL_ENTRIES);
    this.logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    this.bucket = props.bucket ?? new s3.Bucket(this, 'Bucket', { ...secureBucketDefaults(), ...props.bucketProps });

    ({ fn: this.preprocessor, logGroup: this.preprocessorLogGroup } = this.buildPreprocessor(props));
    ({ fn: this.authorizerFunction, logGroup: this.authorizerLogGroup } = this.buildAuthorizer(props));
    this.authorizerAlias = this.buildAlias(props);

    this.grantLeastPrivilege(props);
    this.addNotifications();
    if (props.privateCas) this.connectPrivateCas(props.privateCas);

    const alarms = buildAlarms(this, {
      preprocessor: this.preprocessor,
      authorizer: this.authorizerFunction,
      maxCrlAge: props.maxCrlAge ?? Duration.days(6),
      nextUpdateWarning: props.nextUpdateWarning ?? Duration.days(1),
    });
    ({
      preprocessorErrorsAlarm: this.preprocessorErrorsAlarm,
      authorizerErrorsAlarm: this.authorizerErrorsAlarm,
      authorizerThrottlesAlarm: this.authorizerThrottlesAlarm,
      crlAgeAlarm: this.crlAgeAlarm,
      nextUpdateAlarm: this.nextUpdateAlarm,
      crlExpiredAlarm: this.crlExpiredAlarm,
      denylistAlarm: this.denylistAlarm,
    } = alarms);
    this.alarms = Object.values(alarms);
    if (props.alarmAction) for (const alarm of this.alarms) alarm.addAlarmAction(props.alarmAction);
    if (props.fetch) {
      this.fetcher = new CrlFetcher(this, 'Fetcher', {
        ...props.fetch,
        bucket: this.bucket,
        prefix: this.prefix,
        logRetention: this.logRetention,
        ...(props.alarmAction && { alarmAction: props.alarmAction }),
        functionFactory: (scope, id, entry, p) => new NodejsFunction(scope, id, { ...functionDefaults(entry), ...p }),
      });
    }

    this.httpAuthorizer = new CrlHttpAuthorizer('CrlAuthorizer', this.authorizerAlias, props.responseType === 'simple');
    this.acknowledgeWildcards();
  }

  /**
   * The REST API REQUEST authorizer: no identity source (the certificate is in the request context, not a
   * header; the property is optional when caching is off and left out of the template), result caching off so
   * every request is judged against the current CRL. Built on first access, since an authorizer must be attached
   * to exactly one RestApi.
   */
  get restAuthorizer(): apigw.RequestAuthorizer {
    if (!this.restAuthorizerInstance) {
      this.restAuthorizerInstance = new apigw.RequestAuthorizer(this, 'RestAuthorizer', {
        handler: this.authorizerAlias,
        identitySources: [],
        resultsCacheTtl: Duration.seconds(0),
      });
      // The L2 writes the empty list as `IdentitySource: ""`; no identity source is no property.
      (this.restAuthorizerInstance.node.defaultChild as apigw.CfnAuthorizer).identitySource = undefined;
    }
    return this.restAuthorizerInstance;
  }

  /** Lets a publisher (a CI role, a user) upload CRLs and CA certificates under the prefix. */
  grantPublish(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject'],
      resourceArns: [...this.crlSuffixes.map((s) => this.objectArn(`*${s}`)), this.objectArn('*.ca.pem')],
    });
  }

  /** `s3://bucket/prefix`: where both functions find CRLs and blobs. */
  get storeUrl(): string {
    return `s3://${this.bucket.bucketName}/${this.prefix}`;
  }

  private buildPreprocessor(props: CrlAuthorizerProps) {
    return bundledFunction(this, 'Preprocessor', {
      handler: 'preprocessor',
      description: 'crl-authorizer: verifies an uploaded CRL and writes its packed serial blob',
      memorySize: props.preprocessorMemorySize ?? this.sizing.preprocessorMemoryMb,
      timeout: Duration.seconds(this.sizing.preprocessorTimeoutSeconds),
      logRetention: this.logRetention,
      reservedConcurrency: props.preprocessorReservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY,
      ...(props.preprocessorOnFailure && { onFailure: props.preprocessorOnFailure }),
      environment: {
        CRL_STORE_URL: this.storeUrl,
        CRL_SUFFIXES: this.crlSuffixes.join(','),
        CRL_ALLOW_NO_NEXT_UPDATE: String(props.allowNoNextUpdate ?? false),
        ...(props.caCertKey !== undefined && { CA_CERT_KEY: props.caCertKey }),
        ...privateCaEnvironment(props.privateCas ?? []),
      },
    });
  }

  private buildAuthorizer(props: CrlAuthorizerProps) {
    return bundledFunction(this, 'Authorizer', {
      handler: 'authorizer',
      // The ESM entry: INIT awaits the blob load (bounded by INIT_DEADLINE_MS), so provisioned concurrency works.
      entry: 'lambda',
      description: 'crl-authorizer: checks API Gateway mTLS client certificates against verified CRLs',
      memorySize: props.authorizerMemorySize ?? this.sizing.authorizerMemoryMb,
      // API Gateway gives an authorizer at most 10 s; store calls and the blob load have their own, shorter budgets.
      timeout: Duration.seconds(AUTHORIZER_TIMEOUT_SECONDS),
      logRetention: this.logRetention,
      reservedConcurrency: props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY,
      environment: {
        CRL_STORE_URL: this.storeUrl,
        CRL_REVALIDATE_SECONDS: String(props.revalidateSeconds ?? DEFAULT_REVALIDATE_SECONDS),
        CRL_FRESH_SECONDS: String(props.freshSeconds ?? DEFAULT_FRESH_SECONDS),
        CRL_MAX_STALE_SECONDS: String(props.maxStaleSeconds ?? 300),
        CRL_NEXT_UPDATE_GRACE_SECONDS: String(props.nextUpdateGraceSeconds ?? 0),
        CRL_STORE_TIMEOUT_MS: String(props.storeTimeoutMs ?? 2000),
        CRL_LOAD_TIMEOUT_MS: String(props.loadTimeoutMs ?? this.sizing.loadTimeoutMs),
        AUTHORIZER_RESPONSE: props.responseType ?? 'policy',
        ...(props.cacheKeys && { CRL_CACHE_KEYS: props.cacheKeys.join(',') }),
      },
    });
  }

  /** API Gateway invokes the `live` alias of the current version: provisioned concurrency needs an alias or version. */
  private buildAlias(props: CrlAuthorizerProps): lambda.Alias {
    return new lambda.Alias(this, 'AuthorizerAlias', {
      aliasName: 'live',
      version: this.authorizerFunction.currentVersion,
      ...(props.provisionedConcurrency !== undefined && {
        provisionedConcurrentExecutions: props.provisionedConcurrency,
      }),
    });
  }

  private objectArn(pattern: string): string {
    return this.bucket.arnForObjects(`${this.prefix}${pattern}`);
  }

  private grantLeastPrivilege(props: CrlAuthorizerProps): void {
    // Listing lets S3 answer 404 rather than 403 for a missing key, and lets the authorizer find the blobs.
    const listPrefix = new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [this.bucket.bucketArn],
      ...(this.prefix !== '' && { conditions: { StringLike: { 's3:prefix': [`${this.prefix}*`] } } }),
    });
    this.authorizerFunction.addToRolePolicy(listPrefix);
    this.authorizerFunction.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [this.objectArn('*.cache.bin')] }),
    );

    this.preprocessor.addToRolePolicy(listPrefix);
    const caKeys = props.caCertKey !== undefined ? [`${this.prefix}${props.caCertKey}`] : [];
    this.preprocessor.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [
          ...this.crlSuffixes.map((s) => this.objectArn(`*${s}`)),
          this.objectArn('*.ca.pem'),
          ...caKeys.map((k) => this.bucket.arnForObjects(k)),
          this.objectArn('*.cache.bin'),
        ],
      }),
    );
    this.preprocessor.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [this.objectArn('*.cache.bin')],
      }),
    );
    const key = this.bucket.encryptionKey;
    if (key) {
      key.grantDecrypt(this.authorizerFunction);
      key.grantEncryptDecrypt(this.preprocessor);
      for (const action of ['kms:ReEncrypt*', 'kms:GenerateDataKey*']) {
        Validations.of(this.preprocessor).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason: "CDK's grantEncryptDecrypt on the bucket's own key: what S3 needs to read and write SSE-KMS objects.",
        });
      }
    }
  }

  private addNotifications(): void {
    const target = new s3n.LambdaDestination(this.preprocessor);
    for (const suffix of this.crlSuffixes) {
      const filter: s3.NotificationKeyFilter = { suffix, ...(this.prefix !== '' && { prefix: this.prefix }) };
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, target, filter);
      this.bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, target, filter);
    }
    this.configureNotificationsHandler();
  }

  /**
   * CDK configures bucket notifications through its own singleton custom resource handler, whose log group
   * Lambda would create with no retention. Point the handler's logging at a log group with one (Lambda's
   * LoggingConfig; its role, AWSLambdaBasicExecutionRole, may write to any log group), once per stack.
   */
  private configureNotificationsHandler(): void {
    const stack = Stack.of(this);
    const handler = stack.node.tryFindChild(NOTIFICATIONS_HANDLER_ID);
    const fn = handler?.node.tryFindChild('Resource') as lambda.CfnFunction | undefined;
    if (!handler || !fn || stack.node.tryFindChild(NOTIFICATIONS_LOGS_ID)) return;
    const logGroup = new logs.LogGroup(stack, NOTIFICATIONS_LOGS_ID, { retention: this.logRetention });
    fn.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
    Validations.of(handler).acknowledge({
      id: `AwsSolutions-IAM4[${BASIC_EXECUTION_POLICY}]`,
      reason: "CDK's bucket-notifications custom resource: AWSLambdaBasicExecutionRole only writes its own logs.",
    });
  }

  private connectPrivateCas(cas: readonly PrivateCaSource[]): void {
    grantPrivateCaPublish(this.bucket, cas);
    grantCaCertificateRead(this.preprocessor, cas);
  }

  /**
   * cdk-nag reports each wildcard resource as its own finding, named by the resource as it appears in the
   * template (`Resource::<BucketLogicalId.Arn>/prefix*.suffix`). The suffix patterns are the least privilege S3
   * allows.
   */
  private acknowledgeWildcards(): void {
    const ack = (fn: NodejsFunction, patterns: [string, string][]) => {
      const bucketId = bucketFindingName(this.bucket);
      for (const [pattern, reason] of patterns) {
        Validations.of(fn).acknowledge({ id: `AwsSolutions-IAM5[Resource::${bucketId}/${this.prefix}${pattern}]`, reason });
      }
    };
    ack(this.authorizerFunction, [
      ['*.cache.bin', 'The authorizer may read only blobs: objects whose key ends in .cache.bin under the prefix.'],
    ]);
    ack(this.preprocessor, [
      ...this.crlSuffixes.map(
        (s): [string, string] => [`*${s}`, `The preprocessor reads CRLs: keys ending in ${s} under the prefix.`],
      ),
      ['*.ca.pem', 'The preprocessor reads the CA certificate beside each CRL (<name>.ca.pem).'],
      ['*.cache.bin', 'The preprocessor reads the current blob (rollback check) and writes or deletes blobs.'],
    ]);
  }
}

/** How cdk-nag names the bucket ARN in a finding: the logical id for one built here, the ARN text otherwise. */
function bucketFindingName(bucket: s3.IBucket): string {
  const cfn = bucket.node.defaultChild;
  if (cfn instanceof s3.CfnBucket) return `<${Stack.of(cfn).getLogicalId(cfn)}.Arn>`;
  return Token.isUnresolved(bucket.bucketArn) ? '<bucket>' : bucket.bucketArn;
}

function secureBucketDefaults(): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    // ACLs disabled: S3 then accepts only BUCKET_OWNER_FULL_CONTROL (or no ACL) on PUT, the one AWS Private CA
    // must be configured with under Block Public Access.
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // Blobs are rewritten on every CRL: keep old versions for recovery, not forever.
    lifecycleRules: [{ id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(30) }],
  };
}
