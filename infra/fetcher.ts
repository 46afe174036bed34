import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Duration, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The EMF metric src/fetcher/handler.ts counts one of per failed source (namespace CrlAuthorizer, no dimension). */
export const FETCH_FAILED_METRIC = 'CrlFetchFailed';

/** One CRL location and the object name it is written under: `<prefix><name>.crl` (DESIGN.md CRL_SOURCES). */
export interface CrlFetchSource {
  readonly url: string;
  readonly name: string;
}

/** What the CrlAuthorizer's `fetch` prop takes. */
export interface CrlFetchOptions {
  /** The CRLs to fetch. LDAP URLs are refused at deploy time: the fetcher reads http(s) only. */
  readonly sources: CrlFetchSource[];
  /**
   * How often every source is fetched (a conditional GET each). Whole minutes, at least one.
   * @default Duration.minutes(15)
   */
  readonly rate?: Duration;
  /**
   * The failure alarm fires after this many runs in a row in which a source failed (or the function did).
   * @default 3
   */
  readonly failureAlarmRuns?: number;
  /**
   * The bound on one download (CRL_FETCH_TIMEOUT_MS); the function's own timeout covers every source.
   * @default Duration.seconds(30)
   */
  readonly fetchTimeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
}

export interface CrlFetcherProps extends CrlFetchOptions {
  readonly bucket: s3.IBucket;
  /** Empty, or a path ending in `/`. */
  readonly prefix: string;
  /** How the function is built: the same bundling and runtime as the other two functions. */
  readonly functionFactory: (scope: Construct, id: string, entry: string, props: FetcherFunctionProps) => NodejsFunction;
  readonly logRetention: logs.RetentionDays;
  readonly alarmAction?: cloudwatch.IAlarmAction;
}

export interface FetcherFunctionProps {
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logGroup: logs.LogGroup;
  readonly environment: Record<string, string>;
}

/**
 * The third function: on an EventBridge schedule it fetches each source with a conditional GET and writes
 * `<name>.crl` only when the bytes changed, which fires the preprocessor's S3 trigger as an upload would. It may
 * read and put exactly those objects and nothing else; a failed run never touches a blob.
 */
export class CrlFetcher extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly rule: events.Rule;
  /** `failureAlarmRuns` runs in a row with a failed source or a failed invocation. */
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: CrlFetcherProps) {
    super(scope, id);
    validateFetchOptions(this, props);
    const rate = props.rate ?? Duration.minutes(15);
    const runs = props.failureAlarmRuns ?? 3;
    const fetchTimeout = props.fetchTimeout ?? Duration.seconds(30);
    const keys = props.sources.map((s) => `${props.prefix}${s.name}.crl`);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    this.function = props.functionFactory(this, 'Function', fetcherEntry(), {
      description: 'crl-authorizer: fetches CRLs from their URLs and writes the changed ones to the bucket',
      memorySize: props.memorySize ?? 512,
      // Every source one after another, each within its own bound, plus the writes.
      timeout: Duration.seconds(Math.min(900, props.sources.length * fetchTimeout.toSeconds() + 60)),
      logGroup: this.logGroup,
      environment: {
        CRL_STORE_URL: `s3://${props.bucket.bucketName}/${props.prefix}`,
        CRL_SOURCES: JSON.stringify(props.sources.map((s) => ({ url: s.url, name: s.name }))),
        CRL_FETCH_TIMEOUT_MS: String(fetchTimeout.toMilliseconds()),
      },
    });

    // Read (HEAD: the validators and hash in the metadata) and put the named CRL objects, nothing else.
    const objects = keys.map((k) => props.bucket.arnForObjects(k));
    this.function.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: objects }));
    // Without ListBucket S3 answers 403, not 404, for the first fetch of a name not yet in the bucket.
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': keys } },
      }),
    );
    props.bucket.encryptionKey?.grantEncryptDecrypt(this.function);

    this.rule = new events.Rule(this, 'Schedule', {
      description: 'crl-authorizer: fetch the CRLs',
      schedule: events.Schedule.rate(rate),
      // A missed run is made up by the next one; retries would only repeat the same downloads.
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });

    const period = rate;
    const failed = new cloudwatch.Metric({
      namespace: 'CrlAuthorizer',
      metricName: FETCH_FAILED_METRIC,
      statistic: 'Sum',
      period,
    });
    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      alarmDescription:
        `CRL fetches failed in ${runs} runs in a row: the CRLs in use are not being refreshed. The fetcher log ` +
        'gives each failure with its fetch.* code; the blobs in use are untouched.',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(errors, 0)',
        usingMetrics: { failed, errors: this.function.metricErrors({ period, statistic: 'Sum' }) },
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: runs,
      datapointsToAlarm: runs,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmAction) this.failureAlarm.addAlarmAction(props.alarmAction);

    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Node.js 22 is the runtime the project targets and tests (DESIGN.md).',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs.',
    });
  }
}

/** Every problem with the fetch props in one error, before anything is built. */
export function validateFetchOptions(scope: Construct, props: CrlFetchOptions): void {
  const problems: string[] = [];
  if (props.sources.length === 0) problems.push('fetch.sources must name at least one CRL');
  const names = new Set<string>();
  for (const s of props.sources) {
    if (!Token.isUnresolved(s.url) && !/^https?:\/\/[^/]/i.test(s.url)) {
      problems.push(`fetch source ${JSON.stringify(s.url)} is not an http(s) URL (LDAP is not fetched)`);
    }
    const segments = s.name.split('/');
    if (/[*?\\\0]/.test(s.name) || segments.some((p) => p === '' || p === '.' || p === '..') || /\.(crl|pem)$/.test(s.name)) {
      problems.push(`fetch source name "${s.name}" must be a relative key without wildcards or suffix ("ca/issuing-1")`);
    }
    if (names.has(s.name)) problems.push(`fetch source name "${s.name}" appears twice`);
    names.add(s.name);
  }
  const rate = props.rate;
  if (rate && !rate.isUnresolved() && (rate.toSeconds() < 60 || rate.toSeconds() % 60 !== 0)) {
    problems.push('fetch.rate must be whole minutes, at least one');
  }
  const runs = props.failureAlarmRuns;
  if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) problems.push('fetch.failureAlarmRuns must be an integer >= 1');
  if (problems.length > 0) throw new Error(`CrlFetcher ${scope.node.path}: invalid props: ${problems.join('; ')}`);
}

/** The handler source: `.ts` in the repository, `.js` in the published package. */
function fetcherEntry(): string {
  const candidates = ['handler.ts', 'handler.js'].map((f) => fileURLToPath(new URL(`../src/fetcher/${f}`, import.meta.url)));
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`CrlFetcher: the fetcher handler is missing (looked for ${candidates.join(', ')})`);
  return found;
}
