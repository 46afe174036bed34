import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import {
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { HttpRouteAuthorizerBindOptions, HttpRouteAuthorizerConfig } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, LogLevel } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { CrlFetcher, type CrlFetchOptions } from './fetcher.js';

/** The EMF namespace both functions write to (src/authorizer/log.ts, src/preprocessor/handler.ts). */
export const METRIC_NAMESPACE = 'CrlAuthorizer';
/** The authorizer's `service` dimension (its default in src/authorizer/handler.ts). */
export const AUTHORIZER_SERVICE = 'crl-authorizer';
/** Seconds since the thisUpdate of the CRL that judged a request (dimension `service`). */
export const CRL_AGE_METRIC = 'CrlAgeSeconds';
/** The EMF metric (same namespace and dimension) with the seconds left until the deciding CRL's nextUpdate. */
export const NEXT_UPDATE_METRIC = 'SecondsToNextUpdate';
/** One per decision (dimensions `service`, `code`). */
export const DECISIONS_METRIC = 'Decisions';
/** One per CRL the preprocessor refused (its code is a property of the log line, not a dimension). */
export const CRL_REJECTED_METRIC = 'CrlRejected';

export const DEFAULT_CRL_SUFFIXES = ['.crl', '.crl.pem'] as const;
export const DEFAULT_RESERVED_CONCURRENCY = 50;

const BASIC_EXECUTION_POLICY = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
/** The id aws-s3 gives its notifications custom resource handler in a stack. */
const NOTIFICATIONS_HANDLER_ID = 'BucketNotificationsHandler050a0587b7544547bf325f094a3db834';

export type AuthorizerResponse = 'policy' | 'simple';

/** Grants AWS Private CA (`acm-pca.amazonaws.com`) the right to publish CRLs into the bucket. */
export interface PrivateCaAccess {
  /**
   * The CAs that may write, as `arn:<partition>:acm-pca:<region>:<account>:certificate-authority/<id>`. The grant
   * is conditioned on them (`aws:SourceArn`) and on this stack's account (`aws:SourceAccount`).
   */
  readonly certificateAuthorityArns: string[];
}

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
   * Needed for partitioned CRLs, whose partition names are not known in advance.
   * @default - `<crl name>.ca.pem`
   */
  readonly caCertKey?: string;
  /**
   * Accept CRLs without nextUpdate (CRL_ALLOW_NO_NEXT_UPDATE). They then never expire.
   * @default false
   */
  readonly allowNoNextUpdate?: boolean;
  /**
   * Reserved concurrency of the authorizer: caps its share of the account's concurrency and guarantees it.
   * `'none'` leaves it unreserved (accounts with a low concurrency limit cannot reserve).
   * @default 50
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
   * @default 1
   */
  readonly preprocessorReservedConcurrency?: number | 'none';
  /**
   * Memory of the authorizer in MiB (CPU scales with it; the index of a 1e7-entry CRL takes about 200 MB).
   * @default 1024
   */
  readonly authorizerMemorySize?: number;
  /**
   * Memory of the preprocessor in MiB.
   * @default 1024
   */
  readonly preprocessorMemorySize?: number;
  /**
   * CRL_REVALIDATE_SECONDS: 0 makes one conditional S3 GET per request (freshest, and one GET request charge
   * per authorization); N makes at most one per N seconds per warm environment.
   * @default 0
   */
  readonly revalidateSeconds?: number;
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
   * CRL_STORE_TIMEOUT_MS for every store call.
   * @default 2000
   */
  readonly storeTimeoutMs?: number;
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
   * Retention of both functions' log groups.
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
   * Lets AWS Private CA write CRLs (`*.crl` under the prefix) into the bucket the construct builds.
   * @default - no grant
   */
  readonly privateCa?: PrivateCaAccess;
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
  readonly alarms: readonly cloudwatch.Alarm[];
  /** For HTTP APIs: payload format 2.0, identity source none, result caching off. */
  readonly httpAuthorizer: HttpLambdaAuthorizer;
  private restAuthorizerInstance?: apigw.RequestAuthorizer;
  /** The scheduled CRL fetcher, when `fetch` is given. */
  readonly fetcher?: CrlFetcher;

  constructor(scope: Construct, id: string, props: CrlAuthorizerProps = {}) {
    super(scope, id);
    validateProps(this, props);

    this.prefix = props.prefix ?? '';
    this.crlSuffixes = [...(props.crlSuffixes ?? DEFAULT_CRL_SUFFIXES)];
    this.bucket = props.bucket ?? new s3.Bucket(this, 'Bucket', { ...secureBucketDefaults(), ...props.bucketProps });
    const storeUrl = `s3://${this.bucket.bucketName}/${this.prefix}`;
    const retention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;

    this.preprocessorLogGroup = new logs.LogGroup(this, 'PreprocessorLogs', { retention });
    this.preprocessor = new NodejsFunction(this, 'Preprocessor', {
      ...functionDefaults(handlerEntry('preprocessor')),
      description: 'crl-authorizer: verifies an uploaded CRL and writes its packed serial blob',
      memorySize: props.preprocessorMemorySize ?? 1024,
      timeout: Duration.minutes(5),
      logGroup: this.preprocessorLogGroup,
      ...reserved(props.preprocessorReservedConcurrency ?? 1),
      ...(props.preprocessorOnFailure && { onFailure: props.preprocessorOnFailure }),
      environment: {
        CRL_STORE_URL: storeUrl,
        CRL_SUFFIXES: this.crlSuffixes.join(','),
        CRL_ALLOW_NO_NEXT_UPDATE: String(props.allowNoNextUpdate ?? false),
        ...(props.caCertKey !== undefined && { CA_CERT_KEY: props.caCertKey }),
      },
    });

    this.authorizerLogGroup = new logs.LogGroup(this, 'AuthorizerLogs', { retention });
    this.authorizerFunction = new NodejsFunction(this, 'Authorizer', {
      ...functionDefaults(handlerEntry('authorizer')),
      description: 'crl-authorizer: checks API Gateway mTLS client certificates against verified CRLs',
      memorySize: props.authorizerMemorySize ?? 1024,
      // API Gateway gives an authorizer at most 10 s; store calls have their own, shorter budget.
      timeout: Duration.seconds(10),
      logGroup: this.authorizerLogGroup,
      ...reserved(props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY),
      environment: {
        CRL_STORE_URL: storeUrl,
        CRL_REVALIDATE_SECONDS: String(props.revalidateSeconds ?? 0),
        CRL_MAX_STALE_SECONDS: String(props.maxStaleSeconds ?? 300),
        CRL_NEXT_UPDATE_GRACE_SECONDS: String(props.nextUpdateGraceSeconds ?? 0),
        CRL_STORE_TIMEOUT_MS: String(props.storeTimeoutMs ?? 2000),
        AUTHORIZER_RESPONSE: props.responseType ?? 'policy',
        ...(props.cacheKeys && { CRL_CACHE_KEYS: props.cacheKeys.join(',') }),
      },
    });
    this.authorizerAlias = new lambda.Alias(this, 'AuthorizerAlias', {
      aliasName: 'live',
      version: this.authorizerFunction.currentVersion,
      ...(props.provisionedConcurrency !== undefined && {
        provisionedConcurrentExecutions: props.provisionedConcurrency,
      }),
    });

    this.grantLeastPrivilege(props);
    this.addNotifications();
    if (props.privateCa) this.grantPrivateCa(props.privateCa);

    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    const atLeastOnce = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    this.preprocessorErrorsAlarm = this.alarm(
      'PreprocessorErrors',
      'A CRL was rejected or could not be processed: the previous blob stays in use. See the preprocessor log ' +
        'for the code.',
      this.preprocessor.metricErrors(fiveMinutes),
      1,
      atLeastOnce,
    );
    this.authorizerErrorsAlarm = this.alarm(
      'AuthorizerErrors',
      'The authorizer failed (API Gateway answers 500 for those requests).',
      this.authorizerFunction.metricErrors(fiveMinutes),
      1,
      atLeastOnce,
    );
    this.authorizerThrottlesAlarm = this.alarm(
      'AuthorizerThrottles',
      'The authorizer was throttled: raise reservedConcurrency.',
      this.authorizerFunction.metricThrottles(fiveMinutes),
      1,
      atLeastOnce,
    );
    const maxAge = props.maxCrlAge ?? Duration.days(6);
    this.crlAgeAlarm = this.alarm(
      'CrlAge',
      `A CRL in use is older than ${maxAge.toHumanString()}: publish a new CRL before its nextUpdate, or the ` +
        'requests it covers will be denied (crl.expired).',
      authorizerMetric(CRL_AGE_METRIC, 'Maximum'),
      maxAge.toSeconds(),
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    const warning = props.nextUpdateWarning ?? Duration.days(1);
    this.nextUpdateAlarm = this.alarm(
      'CrlNextUpdate',
      `A CRL in use reaches its nextUpdate in less than ${warning.toHumanString()}: publish the next CRL, or the ` +
        'requests it covers will be denied (crl.expired).',
      authorizerMetric(NEXT_UPDATE_METRIC, 'Minimum'),
      warning.toSeconds(),
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    );
    this.crlExpiredAlarm = this.alarm(
      'CrlExpired',
      'Requests were denied because their CRL is past its nextUpdate (crl.expired): publish a current CRL.',
      authorizerMetric(DECISIONS_METRIC, 'Sum', { code: 'crl.expired' }),
      1,
      atLeastOnce,
    );
    this.alarms = [
      this.preprocessorErrorsAlarm,
      this.authorizerErrorsAlarm,
      this.authorizerThrottlesAlarm,
      this.crlAgeAlarm,
      this.nextUpdateAlarm,
      this.crlExpiredAlarm,
    ];
    if (props.alarmAction) for (const alarm of this.alarms) alarm.addAlarmAction(props.alarmAction);
    if (props.fetch) {
      this.fetcher = new CrlFetcher(this, 'Fetcher', {
        ...props.fetch,
        bucket: this.bucket,
        prefix: this.prefix,
        logRetention: retention,
        ...(props.alarmAction && { alarmAction: props.alarmAction }),
        functionFactory: (scope, id, entry, p) => new NodejsFunction(scope, id, { ...functionDefaults(entry), ...p }),
      });
    }

    this.httpAuthorizer = new HttpCrlAuthorizer('CrlAuthorizer', this.authorizerAlias, {
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
      responseTypes: [props.responseType === 'simple' ? HttpLambdaResponseType.SIMPLE : HttpLambdaResponseType.IAM],
    });

    this.acknowledgeInternals();
  }

  /**
   * The REST API REQUEST authorizer: identity source none (the certificate is in the request context, not a
   * header), result caching off so every request is judged against the current CRL. Built on first access, since
   * an authorizer must be attached to exactly one RestApi.
   */
  get restAuthorizer(): apigw.RequestAuthorizer {
    this.restAuthorizerInstance ??= new apigw.RequestAuthorizer(this, 'RestAuthorizer', {
      handler: this.authorizerAlias,
      identitySources: [],
      resultsCacheTtl: Duration.seconds(0),
    });
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

  /** One datapoint of five minutes decides; no requests means no datapoints, and quiet is not a failure. */
  private alarm(
    id: string,
    alarmDescription: string,
    metric: cloudwatch.IMetric,
    threshold: number,
    comparisonOperator: cloudwatch.ComparisonOperator,
  ): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, {
      alarmDescription,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
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
    }
  }

  private addNotifications(): void {
    const target = new s3n.LambdaDestination(this.preprocessor);
    for (const suffix of this.crlSuffixes) {
      const filter: s3.NotificationKeyFilter = { suffix, ...(this.prefix !== '' && { prefix: this.prefix }) };
      this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, target, filter);
      this.bucket.addEventNotification(s3.EventType.OBJECT_REMOVED, target, filter);
    }
    // CDK configures bucket notifications through its own singleton custom resource.
    const notifications = Stack.of(this).node.tryFindChild(NOTIFICATIONS_HANDLER_ID);
    if (notifications) {
      Validations.of(notifications).acknowledge({
        id: `AwsSolutions-IAM4[${BASIC_EXECUTION_POLICY}]`,
        reason: "CDK's bucket-notifications custom resource: AWSLambdaBasicExecutionRole only writes its own logs.",
      });
    }
  }

  private grantPrivateCa(access: PrivateCaAccess): void {
    const stack = Stack.of(this);
    const conditions = {
      StringEquals: { 'aws:SourceAccount': stack.account },
      ArnLike: { 'aws:SourceArn': access.certificateAuthorityArns },
    };
    const principal = new iam.ServicePrincipal('acm-pca.amazonaws.com');
    const added = [
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PrivateCaWritesCrls',
          principals: [principal],
          // PutObjectAcl: Private CA sets the object ACL it is configured with (S3ObjectAcl); with ACLs disabled
          // (bucket owner enforced) only BUCKET_OWNER_FULL_CONTROL is accepted.
          actions: ['s3:PutObject', 's3:PutObjectAcl'],
          resources: [this.objectArn('*.crl')],
          conditions,
        }),
      ),
      this.bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PrivateCaChecksBucket',
          principals: [principal],
          actions: ['s3:GetBucketAcl', 's3:GetBucketLocation'],
          resources: [this.bucket.bucketArn],
          conditions,
        }),
      ),
    ];
    if (added.some((r) => !r.statementAdded)) {
      throw new Error(
        'CrlAuthorizer: privateCa needs a bucket whose policy this stack manages; for an imported bucket add the ' +
          'acm-pca.amazonaws.com statements to its policy yourself (see docs/deploy.md)',
      );
    }
  }

  /** Findings on what the construct builds that no prop can change; each reason says why it is acceptable. */
  private acknowledgeInternals(): void {
    for (const fn of [this.preprocessor, this.authorizerFunction]) {
      Validations.of(fn).acknowledge({
        id: 'AwsSolutions-L1',
        reason: 'Node.js 22 is the runtime the project targets and tests (DESIGN.md); moving to a newer ' +
          'runtime is a deliberate, tested change.',
      });
      Validations.of(fn).acknowledge({
        id: `AwsSolutions-IAM4[${BASIC_EXECUTION_POLICY}]`,
        reason: 'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs.',
      });
    }
    const p = this.prefix;
    ackWildcards(this.authorizerFunction, [
      ['*.cache.bin', 'The authorizer may read only blobs: objects whose key ends in .cache.bin under the prefix.'],
    ], this, p);
    ackWildcards(this.preprocessor, [
      ...this.crlSuffixes.map(
        (s): [string, string] => [`*${s}`, `The preprocessor reads CRLs: keys ending in ${s} under the prefix.`],
      ),
      ['*.ca.pem', 'The preprocessor reads the CA certificate beside each CRL (<name>.ca.pem).'],
      ['*.cache.bin', 'The preprocessor reads the current blob (rollback check) and writes or deletes blobs.'],
    ], this, p);
  }
}

/**
 * cdk-nag reports each wildcard resource as its own finding, named by the resource as it appears in the template
 * (`Resource::<BucketLogicalId.Arn>/prefix*.suffix`). The suffix patterns are the least privilege S3 allows.
 */
function ackWildcards(
  fn: NodejsFunction,
  patterns: [string, string][],
  owner: CrlAuthorizer,
  prefix: string,
): void {
  const bucketId = bucketFindingName(owner);
  for (const [pattern, reason] of patterns) {
    Validations.of(fn).acknowledge({ id: `AwsSolutions-IAM5[Resource::${bucketId}/${prefix}${pattern}]`, reason });
  }
}

/** How cdk-nag names the bucket ARN in a finding: the logical id for one built here, the ARN text otherwise. */
function bucketFindingName(owner: CrlAuthorizer): string {
  const bucket = owner.bucket;
  const cfn = bucket.node.defaultChild;
  if (cfn instanceof s3.CfnBucket) return `<${Stack.of(cfn).getLogicalId(cfn)}.Arn>`;
  return Token.isUnresolved(bucket.bucketArn) ? '<bucket>' : bucket.bucketArn;
}

class HttpCrlAuthorizer extends HttpLambdaAuthorizer {
  constructor(
    private readonly authorizerId_: string,
    handler: lambda.IFunction,
    props: ConstructorParameters<typeof HttpLambdaAuthorizer>[2],
  ) {
    super(authorizerId_, handler, props);
  }

  /**
   * The base class uses payload 1.0 unless simple responses are on; the certificate is read from the payload 2.0
   * shape (`requestContext.authentication.clientCert`), and 2.0 also carries IAM policy responses.
   */
  override bind(options: HttpRouteAuthorizerBindOptions): HttpRouteAuthorizerConfig {
    const config = super.bind(options);
    const built = options.scope.node.tryFindChild(this.authorizerId_);
    const cfn = built?.node.defaultChild as { authorizerPayloadFormatVersion?: string } | undefined;
    if (cfn) cfn.authorizerPayloadFormatVersion = '2.0';
    return config;
  }
}

function secureBucketDefaults(): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // Blobs are rewritten on every CRL: keep old versions for recovery, not forever.
    lifecycleRules: [{ id: 'expire-noncurrent', noncurrentVersionExpiration: Duration.days(30) }],
  };
}

function functionDefaults(entry: string) {
  return {
    entry,
    handler: 'handler',
    runtime: lambda.Runtime.NODEJS_22_X,
    architecture: lambda.Architecture.ARM_64,
    bundling: {
      format: OutputFormat.ESM,
      target: 'node22',
      minify: true,
      sourceMap: false,
      // The SDK goes into the bundle: a pinned, tested version, and the store imports it lazily.
      bundleAwsSDK: true,
      mainFields: ['module', 'main'],
      // Some bundled CommonJS dependencies call require() for Node built-ins.
      banner: "import { createRequire as __crlCreateRequire } from 'node:module'; " +
        'const require = __crlCreateRequire(import.meta.url);',
      forceDockerBundling: false,
      logLevel: LogLevel.WARNING,
    },
  };
}

/** An EMF metric the authorizer writes (namespace CrlAuthorizer, dimension service), over five minutes. */
function authorizerMetric(metricName: string, statistic: string, extra: Record<string, string> = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { service: AUTHORIZER_SERVICE, ...extra },
    statistic,
    period: Duration.minutes(5),
  });
}

function reserved(n: number | 'none'): { reservedConcurrentExecutions?: number } {
  return n === 'none' ? {} : { reservedConcurrentExecutions: n };
}

/** The handler source beside this file: `.ts` in the repository, `.js` in the published package. */
function handlerEntry(fn: 'preprocessor' | 'authorizer'): string {
  // index exports `handler` in both modules (src/authorizer/handler.ts only builds one).
  const candidates = ['index.ts', 'index.js'].map((f) =>
    fileURLToPath(new URL(`../src/${fn}/${f}`, import.meta.url)),
  );
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`CrlAuthorizer: the ${fn} handler is missing (looked for ${candidates.join(', ')})`);
  return found;
}

const PRIVATE_CA_ARN = /^arn:[a-z-]+:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[\w-]+$/;

/** Checks every prop before anything is built and reports all problems in one error. */
export function validateProps(scope: Construct, props: CrlAuthorizerProps): void {
  const problems: string[] = [];
  const known = (v: unknown) => v !== undefined && !Token.isUnresolved(v);
  if (props.bucket && props.bucketProps) problems.push('give either bucket or bucketProps, not both');
  const prefix = props.prefix;
  if (known(prefix) && prefix !== '') {
    if (prefix!.startsWith('/')) problems.push(`prefix must not start with "/" (got "${prefix}")`);
    if (!prefix!.endsWith('/')) problems.push(`prefix must be empty or end with "/" (got "${prefix}")`);
    if (/[*?]/.test(prefix!)) problems.push(`prefix must not contain wildcards (got "${prefix}")`);
  }
  const suffixes = props.crlSuffixes;
  if (suffixes) {
    if (suffixes.length === 0) problems.push('crlSuffixes must name at least one suffix');
    for (const s of suffixes) {
      if (!/^\.[A-Za-z0-9._-]+$/.test(s)) problems.push(`crl suffix "${s}" must start with "." and have no wildcards`);
      const own = ['.cache.bin', '.ca.pem'];
      if (own.some((o) => o.endsWith(s) || s.endsWith(o))) {
        problems.push(`crl suffix "${s}" would match the construct's own blob or CA certificate keys`);
      }
    }
    for (const a of suffixes) {
      for (const b of suffixes) {
        // S3 refuses overlapping notification filters, and one key would be read as two CRL names.
        if (a !== b && a.endsWith(b)) problems.push(`crl suffixes "${a}" and "${b}" overlap`);
      }
    }
    if (new Set(suffixes).size !== suffixes.length) problems.push('crlSuffixes has duplicates');
  }
  if (known(props.caCertKey) && (props.caCertKey === '' || props.caCertKey!.startsWith('/'))) {
    problems.push('caCertKey must be a key relative to the prefix, without a leading "/"');
  }
  const positiveInt = (name: string, v: number | 'none' | undefined, min: number) => {
    if (v === undefined || v === 'none' || Token.isUnresolved(v)) return;
    if (!Number.isInteger(v) || v < min) problems.push(`${name} must be an integer >= ${min} (got ${v})`);
  };
  positiveInt('reservedConcurrency', props.reservedConcurrency, 1);
  positiveInt('preprocessorReservedConcurrency', props.preprocessorReservedConcurrency, 1);
  positiveInt('provisionedConcurrency', props.provisionedConcurrency, 1);
  positiveInt('revalidateSeconds', props.revalidateSeconds, 0);
  positiveInt('maxStaleSeconds', props.maxStaleSeconds, 0);
  positiveInt('nextUpdateGraceSeconds', props.nextUpdateGraceSeconds, 0);
  positiveInt('storeTimeoutMs', props.storeTimeoutMs, 1);
  for (const [name, mem] of [
    ['authorizerMemorySize', props.authorizerMemorySize],
    ['preprocessorMemorySize', props.preprocessorMemorySize],
  ] as const) {
    if (mem !== undefined && (!Number.isInteger(mem) || mem < 128 || mem > 10240)) {
      problems.push(`${name} must be an integer between 128 and 10240 MiB (got ${mem})`);
    }
  }
  const reservedN = props.reservedConcurrency ?? DEFAULT_RESERVED_CONCURRENCY;
  const provisioned = props.provisionedConcurrency;
  if (typeof reservedN === 'number' && provisioned !== undefined && provisioned > reservedN) {
    problems.push(
      `provisionedConcurrency (${props.provisionedConcurrency}) must not exceed reservedConcurrency (${reservedN})`,
    );
  }
  if (props.storeTimeoutMs !== undefined && props.storeTimeoutMs >= 10_000) {
    problems.push(`storeTimeoutMs must stay under the authorizer's 10 s timeout (got ${props.storeTimeoutMs})`);
  }
  if (props.responseType !== undefined && props.responseType !== 'policy' && props.responseType !== 'simple') {
    problems.push(`responseType must be "policy" or "simple" (got "${String(props.responseType)}")`);
  }
  if (props.nextUpdateWarning && !props.nextUpdateWarning.isUnresolved() && props.nextUpdateWarning.toSeconds() <= 0) {
    problems.push('nextUpdateWarning must be positive');
  }
  if (props.maxCrlAge && !props.maxCrlAge.isUnresolved() && props.maxCrlAge.toSeconds() <= 0) {
    problems.push('maxCrlAge must be positive');
  }
  if (props.cacheKeys && props.cacheKeys.some((k) => !k.endsWith('.cache.bin'))) {
    problems.push('cacheKeys must all end in .cache.bin');
  }
  if (props.privateCa) {
    const arns = props.privateCa.certificateAuthorityArns;
    if (arns.length === 0) problems.push('privateCa.certificateAuthorityArns must name at least one CA');
    for (const arn of arns) {
      if (!Token.isUnresolved(arn) && !PRIVATE_CA_ARN.test(arn)) {
        problems.push(`"${arn}" is not an AWS Private CA ARN`);
      }
    }
    if (props.bucket) {
      problems.push('privateCa needs the bucket the construct builds (see docs/deploy.md for an existing one)');
    }
  }
  if (problems.length > 0) {
    throw new Error(`CrlAuthorizer ${scope.node.path}: invalid props: ${problems.join('; ')}`);
  }
}
