/**
 * Test PKI: real signed certificates and CRLs for tests, the demo and the benchmark. Depends on node:crypto and
 * node:fs only, never on the rest of src/, so a bug in the code under test cannot hide in its own fixtures.
 */
export * from './der.js';
export * from './keys.js';
export * from './extensions.js';
export * from './cert.js';
export * from './crl.js';
export * from './large-crl.js';
export * from './aia.js';
export * from './ocsp.js';
