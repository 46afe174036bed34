export { httpGetCrl, DEFAULT_FETCH_TIMEOUT_MS, DEFAULT_MAX_REDIRECTS, type FetchLimits, type Validators, type HttpFetchResult } from './http.js';
export { parseSources, crlKeyOf, type CrlSource } from './sources.js';
export { fetchSource, type FetchOutcome } from './sync.js';
export { createFetcherHandler, fetcherOptionsFromEnv, handler, FETCH_FAILED_METRIC, type FetcherOptions, type FetcherResult } from './handler.js';
