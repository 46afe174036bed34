import { createHandler, type HandlerOptions } from '../../src/authorizer/index.js';
import type { AuthorizerResponse, PolicyResponse } from '../../src/authorizer/response.js';
import { T0 } from '../support/pki.js';

/**
 * A handler with a movable clock and captured log lines. The environment asks for the seed's per-request
 * confirmation (CRL_REVALIDATE_SECONDS=0), which these tests were written for; a test passing `env` or
 * `config.revalidateSeconds` chooses its own.
 */
export function harness(options: HandlerOptions = {}) {
  let now = T0;
  const lines: string[] = [];
  const handler = createHandler({ clock: () => now, logSink: (l) => lines.push(l), env: { CRL_REVALIDATE_SECONDS: '0' }, ...options });
  return {
    handler,
    lines,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    decisions: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.message === 'decision'),
    at: (seconds: number) => {
      now = T0 + seconds * 1000;
    },
  };
}

export function effect(r: AuthorizerResponse): 'Allow' | 'Deny' {
  if ('isAuthorized' in r) return r.isAuthorized ? 'Allow' : 'Deny';
  return r.policyDocument.Statement[0].Effect;
}

export function codeOfResponse(r: AuthorizerResponse): unknown {
  return r.context.code;
}

export function policy(r: AuthorizerResponse): PolicyResponse {
  if ('isAuthorized' in r) throw new Error('expected an IAM policy response');
  return r;
}
