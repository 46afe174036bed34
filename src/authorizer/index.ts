/**
 * The API Gateway mutual-TLS authorizer. `handler` is the Lambda entry point configured from the environment
 * (DESIGN.md, "Environment"); `createHandler` builds one with a custom authorization hook, a given store, an
 * injected clock or log sink. The handler API only: the cache and the event reader are internals.
 */
import { createHandler } from './handler.js';
import { loadAtInit } from './init.js';

export {
  createHandler,
  UNKNOWN_PRINCIPAL,
  type AuthorizationHook,
  type AuthorizerHandler,
  type HandlerOptions,
  type HookFacts,
  type HookResult,
  type InvocationContext,
} from './handler.js';
export { readConfig, DEFAULTS, type AuthorizerConfig } from './config.js';
export { MAX_CERT_PEM_CHARS, type EventShape } from './event.js';
export type { AuthorizerResponse, PolicyResponse, SimpleResponse, AuthorizerContext, ContextValue } from './response.js';
export { BLOB_SUFFIX } from '../config/names.js';
export { stdoutSink, type LogSink } from './log.js';

/** The Lambda entry point: configuration from the environment, read on the first invocation. */
export const handler = createHandler();

/**
 * In Lambda, loading starts here, at import (see init.ts). An ESM entry that awaits this promise at top level
 * (src/authorizer/lambda.ts) makes INIT include the load, which is what provisioned concurrency needs.
 */
export const initialized = loadAtInit(handler);
