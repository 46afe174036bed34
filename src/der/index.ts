export * from './reader.js';
export * from './integer.js';
export * from './oid.js';
export * from './time.js';
export * from './input.js';
export * from './extension.js';
