import { CrlAuthorizerError, type Code } from './errors.js';

/**
 * Hard caps on hostile input, as named constants. Each is far above anything a real CA produces and far below
 * what would exhaust a Lambda's memory or time; crossing one is refused with a `*.too-large` code and a sentence
 * that states the limit. They are not configuration: a CA that needs more is a CA to hear from.
 */

/** A CRL's DER (or the bytes of a PEM/base64 file): 1 GiB, about 30 million entries. Checked before decoding. */
export const MAX_CRL_BYTES = 1024 * 1024 * 1024;

/**
 * A CRL given as PEM or base64 text: 256 MiB. Text is decoded through a JS string, and V8 strings stop at about
 * 512 MiB; a CRL this large should be uploaded as DER.
 */
export const MAX_CRL_TEXT_BYTES = 256 * 1024 * 1024;

/** Raw entries in one CRL's revokedCertificates: 50 million (a blob and its WASM copy stay under 2 GiB). */
export const MAX_CRL_ENTRIES = 50_000_000;

/** A certificate, DER or PEM text: 64 KiB. Real ones are 1 to 4 KiB; very long SAN lists reach tens of KiB. */
export const MAX_CERT_BYTES = 64 * 1024;

/** Nesting of constructed DER elements below the element checked: no certificate or CRL needs more than 32. */
export const MAX_DER_DEPTH = 32;

/** Content octets of a serial after minimal encoding (RFC 5280 allows 20; real CAs overshoot a little). */
export const MAX_SERIAL_OCTETS = 64;

/** Content octets of one OBJECT IDENTIFIER: real ones are under 40; a huge one would cost quadratic time. */
export const MAX_OID_OCTETS = 128;

/** One Name's DER: real ones are under 1 KiB. Bounds the string work of RFC 5280 name comparison. */
export const MAX_NAME_BYTES = 64 * 1024;

/** Attributes in one Name (all RDNs together). */
export const MAX_NAME_ATTRIBUTES = 256;

/** Extensions in one certificate or one CRL's crlExtensions. */
export const MAX_EXTENSIONS = 128;

/** GeneralNames in one GeneralNames list, and distribution points in one cRLDistributionPoints. */
export const MAX_GENERAL_NAMES = 256;

/**
 * A PEM certificate in an authorizer event: 64 KiB of text. Room for very large subject-alternative-name lists,
 * and a hostile event cannot make us base64-decode megabytes.
 */
export const MAX_CERT_PEM_CHARS = 65_536;

/** A whole denylist object: 16 MiB, about 50,000 entries of ordinary size; parsed in one JSON.parse on a cold start. */
export const MAX_DENYLIST_BYTES = 16 * 1024 * 1024;
/** Entries in one denylist: a break-glass list, not a CRL. */
export const MAX_DENYLIST_ENTRIES = 100_000;
/** One text field of a denylist entry (reason, who, a name). */
export const MAX_DENYLIST_TEXT = 1024;

/** An OCSP response body. Real ones are 1 to 4 KiB (one SingleResponse, perhaps a responder certificate). */
export const MAX_OCSP_RESPONSE_BYTES = 64 * 1024;

/** Lambda's own 15-minute cap: no store call or download of the preprocessor or fetcher can usefully wait longer. */
export const MAX_LAMBDA_WAIT_MS = 900_000;

/** The `*.too-large` code for the artefact a `*.malformed` code names: limits get their own code. */
export function tooLargeCode(code: Code): Code {
  if (code.startsWith('cert.')) return 'cert.too-large';
  if (code.startsWith('crl.')) return 'crl.too-large';
  return code;
}

/** Throws the artefact's `*.too-large` code with a sentence that states the limit. */
export function overLimit(code: Code, what: string, actual: number | string, limit: number, unit: string): never {
  throw new CrlAuthorizerError(tooLargeCode(code), `${what}: ${actual} ${unit} is over the limit of ${limit} ${unit}`);
}

/**
 * Refuses a CRL by its size alone, before anything reads or copies it: callers that hold only a file size or an
 * object's Content-Length (a `stat`, a store `head`) call this first, so a 1 GB CRL never reaches memory.
 */
export function checkCrlSize(bytes: number, what = 'CRL'): void {
  if (bytes > MAX_CRL_BYTES) overLimit('crl.too-large', what, bytes, MAX_CRL_BYTES, 'bytes');
}

/** The same for a certificate. */
export function checkCertSize(bytes: number, what = 'certificate'): void {
  if (bytes > MAX_CERT_BYTES) overLimit('cert.too-large', what, bytes, MAX_CERT_BYTES, 'bytes');
}
