/** REST context values must be strings, numbers or booleans; HTTP APIs accept the same. */
export type ContextValue = string | number | boolean;
export type AuthorizerContext = Record<string, ContextValue>;

export interface PolicyResponse {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: [{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }];
  };
  context: AuthorizerContext;
}

/** HTTP API payload 2.0 with simple responses enabled. */
export interface SimpleResponse {
  isAuthorized: boolean;
  context: AuthorizerContext;
}

export type AuthorizerResponse = PolicyResponse | SimpleResponse;

export function policyResponse(
  allow: boolean,
  principalId: string,
  resource: string | undefined,
  context: AuthorizerContext,
): PolicyResponse {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Action: 'execute-api:Invoke',
          Effect: allow ? 'Allow' : 'Deny',
          // A Deny without a resource to name denies everything, which is what an unreadable event deserves.
          Resource: resource ?? '*',
        },
      ],
    },
    context,
  };
}

export function simpleResponse(allow: boolean, context: AuthorizerContext): SimpleResponse {
  return { isAuthorized: allow, context };
}
