import type { AuthorizerHandler } from './handler.js';

/**
 * Lambda caps INIT at 10 s (and bills it); the load must settle inside that with room for the runtime's own
 * start-up, or INIT fails and the container is replaced. A load still running at the deadline goes on in the
 * background and the first request waits for it.
 */
export const INIT_DEADLINE_MS = 9000;

/**
 * Starts loading every blob at module import when running in Lambda (AWS_LAMBDA_FUNCTION_NAME is set), so a
 * provisioned-concurrency container answers its first request from memory and an on-demand cold start overlaps
 * the load with the runtime's start-up. Elsewhere (tests, `serve`, a library user) importing stays side-effect
 * free. A failure is not fatal: it is logged, and the first request tries again (and denies if it still cannot).
 */
export function loadAtInit(handler: AuthorizerHandler, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!env.AWS_LAMBDA_FUNCTION_NAME) return Promise.resolve();
  return handler.prepare(INIT_DEADLINE_MS);
}
