import { X509Certificate } from 'node:crypto';

/**
 * The reference design's request path, for the handler row: parse the client certificate with node:crypto, take
 * its serial as hex, and look it up in the Set loaded from the JSON cache. No issuer binding, no expiry check:
 * it does less than this project's handler, so its latency is a lower bound.
 */
export interface RestEvent {
  methodArn: string;
  requestContext: { identity: { clientCert?: { clientCertPem: string } } };
}

export interface PolicyResponse {
  principalId: string;
  policyDocument: { Version: string; Statement: { Action: string; Effect: 'Allow' | 'Deny'; Resource: string }[] };
}

export function referenceHandler(revoked: ReadonlySet<string>): (event: RestEvent) => PolicyResponse {
  return (event) => {
    const pem = event.requestContext.identity.clientCert?.clientCertPem;
    let effect: 'Allow' | 'Deny' = 'Deny';
    let principal = 'unknown';
    if (pem) {
      const cert = new X509Certificate(pem);
      const hex = cert.serialNumber.toUpperCase();
      const serial = hex.length % 2 ? `0${hex}` : hex;
      principal = cert.subject;
      effect = revoked.has(serial) ? 'Deny' : 'Allow';
    }
    return {
      principalId: principal,
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: event.methodArn }],
      },
    };
  };
}
