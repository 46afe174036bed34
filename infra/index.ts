export {
  CrlAuthorizer,
  validateProps,
  METRIC_NAMESPACE,
  AUTHORIZER_SERVICE,
  CRL_AGE_METRIC,
  DECISIONS_METRIC,
  CRL_REJECTED_METRIC,
  DEFAULT_CRL_SUFFIXES,
  DEFAULT_RESERVED_CONCURRENCY,
  type CrlAuthorizerProps,
  type PrivateCaAccess,
  type AuthorizerResponse,
} from './crl-authorizer.js';
export { addAccessDeniedResponse, crlAccessLogFormat } from './gateway.js';
export {
  ExampleStack,
  exampleConfigFromContext,
  parseS3Uri,
  type ExampleStackProps,
  type MtlsDomainConfig,
} from './example-stack.js';
export { CrlFetcher, validateFetchOptions, FETCH_FAILED_METRIC, type CrlFetchOptions, type CrlFetchSource } from './fetcher.js';
