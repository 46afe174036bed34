import { codeOf, messageOf, isCoded, type Code } from '../errors.js';
import { decide, type Verdict } from '../lookup/decide.js';
import { RevocationIndex } from '../lookup/index.js';
import { pairCrlFiles } from '../preprocessor/delta.js';
import { readCertificates } from '../preprocessor/preprocess.js';
import { readCertificate, type CertFacts } from '../x509/cert.js';
import { EXIT, UsageError, nonNegativeInt, parse, parseTime, requireOne } from './args.js';
import { readInput } from './files.js';
import { readChecked } from './pem-check.js';
import type { Io } from './io.js';

export function checkCommand(args: string[], io: Io): number {
  const { values } = parse(args, {
    cert: { type: 'string' },
    blob: { type: 'string', multiple: true },
    crl: { type: 'string', multiple: true },
    ca: { type: 'string', multiple: true },
    at: { type: 'string' },
    json: { type: 'boolean' },
    'allow-no-next-update': { type: 'boolean' },
    'grace-seconds': { type: 'string' },
  });
  const certPath = requireOne(values.cert, '--cert');
  const blobs = values.blob ?? [];
  const crls = values.crl ?? [];
  const cas = values.ca ?? [];
  if (blobs.length === 0 && crls.length === 0) throw new UsageError('give --blob FILE or --crl FILE --ca FILE');
  if (blobs.length > 0 && crls.length > 0) throw new UsageError('give either --blob or --crl, not both');
  if (crls.length > 0 && cas.length === 0) throw new UsageError('--crl needs --ca FILE (the CA certificate)');
  const at = parseTime(values.at);
  const graceSeconds = nonNegativeInt(values['grace-seconds'], '--grace-seconds', 0);

  const certBytes = readChecked(certPath, '--cert', 'cert');
  const blobBytes = blobs.map((path) => ({ path, bytes: readInput(path, '--blob') }));
  const crlBytes = crls.map((path) => ({ path, bytes: readChecked(path, '--crl', 'crl') }));
  const caFacts = cas.flatMap((path) => readCertificates(readChecked(path, '--ca', 'certs')));

  let cert: CertFacts;
  try {
    cert = readCertificate(certBytes);
  } catch (e) {
    if (!isCoded(e)) throw e;
    return report(io, values.json, { status: 'unknown', code: e.code, reason: e.message });
  }

  const indexes: RevocationIndex[] = [];
  const skipped: Skipped[] = [];
  for (const { path, bytes } of blobBytes) {
    const index = usable(path, io, skipped, () => RevocationIndex.fromBytes(bytes));
    if (index) indexes.push(index);
  }
  // A CRL that fails validation is skipped and reported, as a bad upload would be; a delta joins its base.
  const paired = pairCrlFiles(crlBytes, caFacts, { at, allowNoNextUpdate: values['allow-no-next-update'] ?? false });
  for (const { path, error } of paired.skipped) {
    io.err(`skipped ${path}: ${error.code}: ${error.message}`);
    skipped.push({ file: path, code: error.code, reason: error.message });
  }
  for (const { paths, result } of paired.blobs) {
    const index = usable(paths.join(' + '), io, skipped, () => RevocationIndex.fromBytes(result.blob));
    if (index) indexes.push(index);
  }
  // With nothing left to decide by, the answer says why each input was skipped, not "not covered".
  const first = skipped[0];
  const verdict: Pick<Verdict, 'status' | 'code' | 'reason'> =
    indexes.length === 0 && first
      ? {
          status: 'unknown',
          code: first.code,
          reason: `every input was skipped: ${skipped.map((s) => `${s.file}: ${s.code}`).join('; ')}`,
        }
      : decide(cert, indexes, { at, graceSeconds });
  return report(io, values.json, verdict, cert, skipped);
}

interface Skipped {
  file: string;
  code: Code;
  reason: string;
}

function usable(path: string, io: Io, skipped: Skipped[], load: () => RevocationIndex): RevocationIndex | undefined {
  try {
    return load();
  } catch (e) {
    if (!isCoded(e)) throw e;
    io.err(`skipped ${path}: ${codeOf(e)}: ${messageOf(e)}`);
    skipped.push({ file: path, code: e.code, reason: messageOf(e) });
    return undefined;
  }
}

function report(
  io: Io,
  json: boolean | undefined,
  verdict: Pick<Verdict, 'status' | 'code' | 'reason'>,
  cert?: CertFacts,
  skipped: Skipped[] = [],
): number {
  if (json) {
    io.out(
      JSON.stringify({
        status: verdict.status,
        code: verdict.code,
        reason: verdict.reason,
        ...(cert && { serial: cert.serialText, issuer: cert.issuerText }),
        skipped,
      }),
    );
  } else {
    io.out(verdict.status === 'unknown' ? `unknown: ${verdict.reason}` : verdict.status);
  }
  return verdict.status === 'good' ? EXIT.good : verdict.status === 'revoked' ? EXIT.revoked : EXIT.unknown;
}
