export * from './types.js';
export * from './scope.js';
export * from './verify.js';
export { REMOVE_FROM_CRL } from './entries.js';
