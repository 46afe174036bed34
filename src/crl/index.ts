export * from './types.js';
export * from './scope.js';
export * from './parse.js';
export * from './policy.js';
export * from './verify.js';
export { REMOVE_FROM_CRL, CERTIFICATE_HOLD, NO_REASON, type CrlEntries } from './entries.js';
export { CRL_NUMBER_LIMIT, type CrlExtensionFacts } from './extensions.js';
