/**
 * The one writer of CloudWatch Embedded Metric Format (EMF) count documents, for every Lambda: a log line that
 * is also one `Count` metric, so the line and the metric are a single write (the authorizer's per-decision line
 * has its own cached prefix in src/authorizer/log.ts, which is on the request path; every rarer line comes here).
 */

/** Where a Lambda's JSON log entries go (one entry, one line). */
export type LogWriter = (entry: Record<string, unknown>) => void;

/** The clock and the log of the preprocessor and fetcher Lambdas (tests inject both). */
export interface LambdaLogging {
  /** The one clock: the time every check is made at. @default () => new Date() */
  now?: () => Date;
  /** Where JSON log lines go. @default one line on stdout each (CloudWatch reads the EMF ones as metrics) */
  log?: LogWriter;
}

/** Bypasses the Lambda runtime's console prefix, so each line is a bare JSON document (required for EMF). */
export const writeJsonLine: LogWriter = (entry) => {
  process.stdout.write(JSON.stringify(entry) + '\n');
};

/**
 * A log entry that counts 1 of `metric` in `namespace`, with `dimensions` as both the EMF dimension set and
 * fields of the line (an empty map counts without dimensions). `fields` are the line's other properties.
 */
export function countEntry(
  namespace: string,
  metric: string,
  dimensions: Readonly<Record<string, string>>,
  at: number,
  fields: Record<string, unknown>,
): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: Math.trunc(at),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [Object.keys(dimensions)], Metrics: [{ Name: metric, Unit: 'Count' }] }],
    },
    ...dimensions,
    ...fields,
    [metric]: 1,
  };
}
