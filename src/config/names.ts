/**
 * The names other parts of a deployment rely on (DESIGN.md "Object names", the metrics the construct's alarms
 * read): one place, so the preprocessor, the authorizer, the CLI and the construct cannot drift apart.
 */

/** A CRL is recognised by these suffixes unless CRL_SUFFIXES says otherwise. */
export const DEFAULT_CRL_SUFFIXES = ['.crl', '.crl.pem'] as const;
/** `<name>.ca.pem`: the CA certificate(s) beside a CRL, unless CA_CERT_KEY names one for all. */
export const CA_CERT_SUFFIX = '.ca.pem';
/** `<name>.cache.bin`: the packed blob the preprocessor writes and the authorizer loads. */
export const BLOB_SUFFIX = '.cache.bin';
/** `<name>.outcome.json`: the preprocessor's last outcome for the CRL (docs/internals.md "Outcomes"). */
export const OUTCOME_SUFFIX = '.outcome.json';

/** The EMF namespace both Lambdas write to. */
export const METRIC_NAMESPACE = 'CrlAuthorizer';
/** The authorizer's `service` field and metric dimension. */
export const AUTHORIZER_SERVICE = 'crl-authorizer';
/** The preprocessor's `service` field. */
export const PREPROCESSOR_SERVICE = 'crl-preprocessor';

/** Metric names (dimension `service`, and `code` for decisions). */
export const METRIC = {
  /** One per decision (dimensions `service`, `code`). */
  decisions: 'Decisions',
  /** Seconds since the thisUpdate of the data that judged a request. */
  crlAge: 'CrlAgeSeconds',
  /** Seconds left until that data's nextUpdate. */
  secondsToNextUpdate: 'SecondsToNextUpdate',
  revalidationsNotModified: 'RevalidationsNotModified',
  revalidationsUpdated: 'RevalidationsUpdated',
  revalidationsFailed: 'RevalidationsFailed',
  /** One per CRL the preprocessor refused (its code is a property of the log line, not a dimension). */
  crlRejected: 'CrlRejected',
  /** One per denylist refresh that failed (the last good denylist stays); the construct alarms on it. */
  denylistRefreshFailed: 'DenylistRefreshFailed',
  /** The fetcher: one per source that failed in a run (alarmed after N runs in a row), one per CRL written. */
  crlFetchFailed: 'CrlFetchFailed',
  crlFetchWritten: 'CrlFetchWritten',
} as const;
