/**
 * A custom authorization hook: "just-in-time" decisions on top of the CRL check.
 *
 * The hook runs after the revocation verdict, for every request whose certificate could be read. It can turn an
 * Allow into a Deny (the response code becomes `hook.denied`) and add context values for the backend, but it can
 * never turn a Deny into an Allow: a revoked or unknown certificate stays denied whatever the hook returns. A hook
 * that throws denies.
 *
 * Deploy this file as the Lambda entry point instead of `crl-authorizer/authorizer`'s `handler`.
 */
import { createHandler, type AuthorizationHook } from '../src/authorizer/index.js';

/** Subjects switched off by an operator, ahead of the next CRL (a real one would read a table or a flag store). */
export const suspendedSubjects = new Set<string>(['CN=client-suspended,O=Example,C=US']);

/** Only clients of these issuers may call this API, even if the trust store holds more CAs. */
export const allowedIssuers = new Set<string>(['CN=Issuing CA A,O=Example,C=US']);

export const hook: AuthorizationHook = ({ cert, verdict, at }) => {
  if (!allowedIssuers.has(cert.issuerText)) {
    return { deny: `issuer "${cert.issuerText}" may not call this API` };
  }
  if (suspendedSubjects.has(cert.subjectText)) {
    return { deny: 'client suspended by an operator' };
  }
  return {
    context: {
      subject: cert.subjectText,
      // Seconds until the certificate expires: the backend can warn clients ahead of renewal.
      certExpiresInSeconds: Math.max(0, Math.round((cert.notAfter.getTime() - at.getTime()) / 1000)),
      revocationStatus: verdict.status,
    },
  };
};

/** The Lambda entry point: configuration from the environment (CRL_STORE_URL and the rest), plus the hook. */
export const handler = createHandler({ hook });
