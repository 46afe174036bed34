import { CrlAuthorizerError } from '../errors.js';
import { MAX_CERT_PEM_CHARS } from '../limits.js';

/** The three event shapes API Gateway sends a REQUEST authorizer (DESIGN.md, "Events"). */
export type EventShape = 'rest' | 'http-1.0' | 'http-2.0';

export interface AuthorizerRequest {
  shape: EventShape;
  /** `methodArn` (REST, HTTP 1.0) or `routeArn` (HTTP 2.0); undefined when the event carries none. */
  resource: string | undefined;
  requestId: string | undefined;
  /** `clientCertPem` exactly as sent; undefined when absent. Checked by `certificatePem`. */
  pem: unknown;
}

/** The limit lives with the others in src/limits.ts. */
export { MAX_CERT_PEM_CHARS };

type Json = Record<string, unknown>;

const obj = (v: unknown): Json | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Where each shape keeps its resource and certificate. The `serialNumber`, `subjectDN` and `issuerDN` beside the
 * PEM are never read: their formats have changed over time, and only the certificate itself is authoritative.
 * Throws `event.malformed` for something that is not an authorizer event.
 */
export function readRequest(event: unknown): AuthorizerRequest {
  const e = obj(event);
  if (!e) throw new CrlAuthorizerError('event.malformed', 'event: not a JSON object');
  const rc = obj(e.requestContext);
  if (e.version === '2.0') {
    return {
      shape: 'http-2.0',
      resource: str(e.routeArn),
      requestId: str(rc?.requestId),
      pem: obj(obj(rc?.authentication)?.clientCert)?.clientCertPem,
    };
  }
  const shape: EventShape = e.version === '1.0' ? 'http-1.0' : 'rest';
  if (shape === 'rest' && e.version !== undefined) {
    throw new CrlAuthorizerError('event.malformed', `event: payload version ${JSON.stringify(e.version)} is not 1.0 or 2.0`);
  }
  return {
    shape,
    resource: str(e.methodArn),
    requestId: str(rc?.requestId),
    pem: obj(obj(rc?.identity)?.clientCert)?.clientCertPem,
  };
}

/**
 * The PEM text of the client certificate, or the reason there is none: `cert.missing` (no mutual TLS on this
 * request), `cert.too-large`, `cert.malformed` (not a string, or not a PEM CERTIFICATE block).
 */
export function certificatePem(pem: unknown): string {
  if (pem === undefined || pem === null || pem === '') {
    throw new CrlAuthorizerError('cert.missing', 'event: no client certificate (clientCertPem is absent)');
  }
  if (typeof pem !== 'string') throw new CrlAuthorizerError('cert.malformed', 'event: clientCertPem is not a string');
  if (pem.length > MAX_CERT_PEM_CHARS) {
    throw new CrlAuthorizerError(
      'cert.too-large',
      `event: clientCertPem has ${pem.length} characters, over the limit of ${MAX_CERT_PEM_CHARS}`,
    );
  }
  const begin = pem.indexOf('-----BEGIN CERTIFICATE-----');
  if (begin < 0 || pem.indexOf('-----END CERTIFICATE-----', begin) < 0) {
    throw new CrlAuthorizerError('cert.malformed', 'event: clientCertPem is not a PEM CERTIFICATE block');
  }
  return pem;
}
