export {
  METRIC_NAMESPACE,
  AUTHORIZER_SERVICE,
  CRL_AGE_METRIC,
  NEXT_UPDATE_METRIC,
  DECISIONS_METRIC,
  CRL_REJECTED_METRIC,
} from './alarms.js';
export { validateProps } from './validate.js';
export {
  CrlAuthorizer,
  DEFAULT_CRL_SUFFIXES,
  DEFAULT_RESERVED_CONCURRENCY,
  DEFAULT_REVALIDATE_SECONDS,
  DEFAULT_FRESH_SECONDS,
  type CrlAuthorizerProps,
  type PrivateCaSource,
  type AuthorizerResponse,
} from './crl-authorizer.js';
export { SIZING, DEFAULT_MAX_CRL_ENTRIES, sizeFor, type SizingRow, type Sizing } from './sizing.js';
export { CrlHttpAuthorizer } from './http-authorizer.js';
export { addAccessDeniedResponse, crlAccessLogFormat } from './gateway.js';
export {
  ExampleStack,
  exampleConfigFromContext,
  parseS3Uri,
  type ExampleStackProps,
  type MtlsDomainConfig,
} from './example-stack.js';
export { CrlFetcher, validateFetchOptions, FETCH_FAILED_METRIC, type CrlFetchOptions, type CrlFetchSource } from './fetcher.js';
