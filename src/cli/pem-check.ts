import { CrlAuthorizerError, type Code } from '../errors.js';
import { readInput } from './files.js';

export type InputKind = 'crl' | 'cert' | 'certs';

const LABELS: Record<InputKind, string> = { crl: 'X509 CRL', cert: 'CERTIFICATE', certs: 'CERTIFICATE' };

/**
 * Reads an input file and checks its PEM armour before the one PEM reader (`der/input.ts`) decodes it, so that
 * mistakes get a sentence about the file: a binary file that is not DER, a label that does not match what the flag
 * takes, two CRLs (or two certificates for --cert) in one file, a line that is not base64. DER passes untouched.
 */
export function readChecked(path: string, flag: string, kind: InputKind): Buffer {
  const bytes = readInput(path, flag);
  const code: Code = kind === 'crl' ? 'crl.malformed' : 'cert.malformed';
  const fail = (why: string): never => {
    throw new CrlAuthorizerError(code, `${flag} ${path}: ${why}`);
  };
  if (bytes.length === 0) fail('the file is empty');
  if (bytes[0] === 0x30) return bytes;
  if (isBinary(bytes)) {
    fail(`not DER (it starts with 0x${bytes[0]!.toString(16).padStart(2, '0')}, not 0x30) and not text`);
  }
  const want = LABELS[kind];
  const lines = bytes.toString('latin1').split(/\r?\n|\r/);
  let label: string | undefined;
  let blocks = 0;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const begin = /^-----BEGIN (.+)-----$/.exec(line);
    if (begin) {
      if (begin[1] !== want) fail(`line ${i + 1}: a PEM block labelled "${begin[1]}", but ${flag} takes "${want}"`);
      label = begin[1];
      blocks++;
      return;
    }
    if (label !== undefined && line === `-----END ${label}-----`) {
      label = undefined;
      return;
    }
    if (label !== undefined && line !== '' && !/^[A-Za-z0-9+/]+={0,2}$/.test(line) && !/^[A-Za-z-]+:/.test(line)) {
      fail(`line ${i + 1}: not base64 (${JSON.stringify(line.length > 40 ? line.slice(0, 40) + '…' : line)})`);
    }
  });
  if (label !== undefined) fail(`the "${label}" block has no END line`);
  if (blocks > 1 && kind !== 'certs') {
    fail(`holds ${blocks} ${kind === 'crl' ? 'CRLs' : 'certificates'}; give one per file (repeat ${flag} for several)`);
  }
  return bytes;
}

/** Text has no control characters other than tab, CR and LF in its first 4 KiB, and no NUL. */
function isBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 4096);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return true;
  }
  return false;
}
