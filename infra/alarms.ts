import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { CrlAuthorizer } from './crl-authorizer.js';

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

/** The construct's six alarm properties (documented there). */
export type CrlAlarms = Pick<
  CrlAuthorizer,
  | 'preprocessorErrorsAlarm' | 'authorizerErrorsAlarm' | 'authorizerThrottlesAlarm' | 'crlAgeAlarm' | 'nextUpdateAlarm'
  | 'crlExpiredAlarm'
>;

export interface CrlAlarmOptions {
  readonly preprocessor: lambda.Function;
  readonly authorizer: lambda.Function;
  readonly maxCrlAge: Duration;
  readonly nextUpdateWarning: Duration;
}

/** The six alarms: two on function errors, throttles, CRL age, nextUpdate approaching, and expired CRLs in use. */
export function buildAlarms(scope: Construct, o: CrlAlarmOptions): CrlAlarms {
  const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
  const atLeastOnce = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
  const alarm = (id: string, alarmDescription: string, metric: cloudwatch.IMetric, threshold: number,
    comparisonOperator = atLeastOnce) =>
    // One datapoint of five minutes decides; no requests means no datapoints, and quiet is not a failure.
    new cloudwatch.Alarm(scope, id, {
      alarmDescription,
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  return {
    preprocessorErrorsAlarm: alarm(
      'PreprocessorErrors',
      'A CRL was rejected or could not be processed: the previous blob stays in use. See the preprocessor log ' +
        'for the code.',
      o.preprocessor.metricErrors(fiveMinutes),
      1,
    ),
    authorizerErrorsAlarm: alarm(
      'AuthorizerErrors',
      'The authorizer failed (API Gateway answers 500 for those requests).',
      o.authorizer.metricErrors(fiveMinutes),
      1,
    ),
    authorizerThrottlesAlarm: alarm(
      'AuthorizerThrottles',
      'The authorizer was throttled: raise reservedConcurrency.',
      o.authorizer.metricThrottles(fiveMinutes),
      1,
    ),
    crlAgeAlarm: alarm(
      'CrlAge',
      `A CRL in use is older than ${o.maxCrlAge.toHumanString()}: publish a new CRL before its nextUpdate, or the ` +
        'requests it covers will be denied (crl.expired).',
      authorizerMetric(CRL_AGE_METRIC, 'Maximum'),
      o.maxCrlAge.toSeconds(),
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    ),
    nextUpdateAlarm: alarm(
      'CrlNextUpdate',
      `A CRL in use reaches its nextUpdate in less than ${o.nextUpdateWarning.toHumanString()}: publish the next ` +
        'CRL, or the requests it covers will be denied (crl.expired).',
      authorizerMetric(NEXT_UPDATE_METRIC, 'Minimum'),
      o.nextUpdateWarning.toSeconds(),
      cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
    ),
    crlExpiredAlarm: alarm(
      'CrlExpired',
      'Requests were denied because their CRL is past its nextUpdate (crl.expired): publish a current CRL.',
      authorizerMetric(DECISIONS_METRIC, 'Sum', { code: 'crl.expired' }),
      1,
    ),
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
