/**
 * The authorizer as an ES module Lambda entry: the same `handler` as index.ts, and INIT waits (top-level await,
 * bounded by INIT_DEADLINE_MS) for the blobs to load, so even a provisioned-concurrency container, frozen between
 * INIT and its first request, answers that request from memory. CommonJS bundles use index.ts, which starts the
 * same load at import without waiting for it.
 */
import { handler, initialized } from './index.js';

await initialized;

export { handler };
