export * from './request.js';
export * from './response.js';
export * from './cache.js';
export * from './source.js';
export { ocspUrls } from './cert-extensions.js';
export { exchange, MAX_OCSP_RESPONSE_BYTES } from './http.js';
export * from './mode.js';
