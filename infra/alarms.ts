import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { CrlAuthorizer } from './crl-authorizer.js';

import { AUTHORIZER_SERVICE, METRIC, METRIC_NAMESPACE } from '../src/config/names.js';

// The names the Lambdas write (src/config/names.ts is the one place they live; infra reads only that of src/).
export { AUTHORIZER_SERVICE, METRIC_NAMESPACE };
/** Seconds since the thisUpdate of the CRL that judged a request (dimension `service`). */
export const CRL_AGE_METRIC = METRIC.crlAge;
/** The EMF metric (same namespace and dimension) with the seconds left until the deciding CRL's nextUpdate. */
export const NEXT_UPDATE_METRIC = METRIC.secondsToNextUpdate;
/** One per decision (dimensions `service`, `code`). */
export const DECISIONS_METRIC = METRIC.decisions;
/** One per CRL the preprocessor refused (its code is a property of the log line, not a dimension). */
export const CRL_REJECTED_METRIC = METRIC.crlRejected;
/** One per failed denylist refresh (dimension `service`): the authorizer keeps the last good denylist. */
export const DENYLIST_REFRESH_FAILED_METRIC = METRIC.denylistRefreshFailed;

/** The construct's seven alarm properties (documented there). */
export type CrlAlarms = Pick<
  CrlAuthorizer,
  | 'preprocessorErrorsAlarm' | 'authorizerErrorsAlarm' | 'authorizerThrottlesAlarm' | 'crlAgeAlarm' | 'nextUpdateAlarm'
  | 'crlExpiredAlarm' | 'denylistAlarm'
>;

export interface CrlAlarmOptions {
  readonly preprocessor: lambda.Function;
  readonly authorizer: lambda.Function;
  readonly maxCrlAge: Duration;
  readonly nextUpdateWarning: Duration;
}

/**
 * The seven alarms: two on function errors, throttles, CRL age, nextUpdate approaching, expired CRLs in use, and
 * a denylist that could not be refreshed.
 */
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
    denylistAlarm: alarm(
      'DenylistRefreshFailed',
      'The denylist could not be read or did not parse (denylist.malformed): the authorizer keeps the last good ' +
        'one, so a new entry is not yet in force. See the authorizer log for the code.',
      authorizerMetric(DENYLIST_REFRESH_FAILED_METRIC, 'Sum'),
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
