import { codeOf, messageOf, isCoded, type Code } from '../errors.js';
import { crlAnswer, holdIndex } from '../lookup/crl-source.js';
import { askSources, type Answered, type Verdict } from '../lookup/decide.js';
import { RevocationIndex } from '../lookup/index.js';
import type { OcspMode } from '../ocsp/mode.js';
import { readOcspFlags } from '../ocsp/config.js';
import { DEFAULT_OCSP_TIMEOUT_MS, OcspSource } from '../ocsp/source.js';
import { OcspStage, RememberedSource } from '../ocsp/stage.js';
import type { RevocationSource, SourceName } from '../sources/types.js';
import { pairCrlFiles } from '../preprocessor/delta.js';
import { readCertificates } from '../preprocessor/preprocess.js';
import { readCertificate, type CertFacts } from '../x509/cert.js';
import { EXIT, UsageError, asUsage, nonNegativeInt, parse, parseTime, requireOne } from './args.js';
import { readInput } from './files.js';
import { readChecked } from './pem-check.js';
import type { Io } from './io.js';

export async function checkCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    cert: { type: 'string' },
    blob: { type: 'string', multiple: true },
    crl: { type: 'string', multiple: true },
    ca: { type: 'string', multiple: true },
    at: { type: 'string' },
    json: { type: 'boolean' },
    'allow-no-next-update': { type: 'boolean' },
    'grace-seconds': { type: 'string' },
    ocsp: { type: 'string' },
    'ocsp-mode': { type: 'string' },
    'ocsp-timeout-ms': { type: 'string' },
  });
  const certPath = requireOne(values.cert, '--cert');
  const blobs = values.blob ?? [];
  const crls = values.crl ?? [];
  const cas = values.ca ?? [];
  const ocsp = ocspFlags(values.ocsp, values['ocsp-mode'], values['ocsp-timeout-ms'], cas.length > 0);
  if (blobs.length === 0 && crls.length === 0 && !ocsp) throw new UsageError('give --blob FILE, --crl FILE --ca FILE, or --ocsp URL|aia --ca FILE');
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
  // The sources as the authorizer lines them up: OCSP_MODE's stage (which reads the CRL's answer to know whether
  // OCSP is needed), then the CRL, remembered so it is computed once; askSources asks them as the handler does.
  const held = indexes.map((index) => holdIndex(index));
  const crl = new RememberedSource({ name: 'crl', check: (c, t) => crlAnswer(c, held, { at: t.getTime(), graceSeconds }) });
  const sources: RevocationSource[] = [crl];
  let rule = {};
  if (ocsp && ocsp.mode !== 'off') {
    const source = new OcspSource({
      issuers: caFacts,
      ...(ocsp.url && { responderUrl: ocsp.url }),
      timeoutMs: ocsp.timeoutMs,
      graceSeconds,
    });
    const stage = new OcspStage(ocsp.mode, crl, () => source);
    sources.unshift(stage); // first, so OCSP's good in prefer/require is the one reported, as in the decision line
    rule = stage.rule;
  }
  const { verdict: combined, answers } = await askSources(sources, cert, at, rule);
  // With nothing left to decide by, the answer says why each input was skipped, not "not covered".
  const first = skipped[0];
  const onlyCrl = answers.length === 1;
  const verdict: Pick<Verdict, 'status' | 'code' | 'reason'> =
    indexes.length === 0 && first && onlyCrl
      ? {
          status: 'unknown',
          code: first.code,
          reason: `every input was skipped: ${skipped.map((s) => `${s.file}: ${s.code}`).join('; ')}`,
        }
      : combined;
  const decided = ocsp ? decidedBy(verdict, answers) : undefined;
  return report(io, values.json, verdict, cert, skipped, decided && { decidedBy: decided, answers });
}

interface OcspFlags {
  mode: OcspMode;
  /** Absent: the certificate's authority information access (`--ocsp aia`). */
  url?: string;
  timeoutMs: number;
}

/**
 * `--ocsp URL|aia` turns OCSP on; its mode defaults to `prefer` (ask for every certificate, the CRL's answer
 * standing when the responder cannot answer), because someone who names a responder means it to be asked. The
 * mode and timeout are read by the authorizer's OCSP_MODE / OCSP_TIMEOUT_MS rules (src/ocsp/config.ts), as
 * `serve` reads its flags.
 */
function ocspFlags(value: string | undefined, mode: string | undefined, timeout: string | undefined, hasCa: boolean): OcspFlags | undefined {
  if (value === undefined) {
    if (mode !== undefined || timeout !== undefined) throw new UsageError('--ocsp-mode and --ocsp-timeout-ms need --ocsp URL|aia');
    return undefined;
  }
  if (value !== 'aia' && !/^https?:\/\/[^/\s]+/i.test(value)) {
    throw new UsageError(`--ocsp must be an http:// or https:// URL or "aia", not ${JSON.stringify(value)}`);
  }
  const read = asUsage(() => readOcspFlags({ mode, timeoutMs: timeout }));
  if (!hasCa) throw new UsageError('--ocsp needs --ca FILE (the issuing CA certificate: an OCSP request names its key)');
  return { mode: read.mode ?? 'prefer', ...(value !== 'aia' && { url: value }), timeoutMs: read.timeoutMs ?? DEFAULT_OCSP_TIMEOUT_MS };
}

/** The source whose answer became the verdict (verdictOf returns one answer's status, code and reason). */
function decidedBy(v: Pick<Verdict, 'status' | 'code' | 'reason'>, answers: readonly Answered[]): SourceName | undefined {
  return answers.find((a) => a.answer.status === v.status && a.answer.code === v.code && a.answer.reason === v.reason)?.source;
}

interface Sources {
  decidedBy: SourceName;
  answers: readonly Answered[];
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
  sources?: Sources,
): number {
  if (json) {
    io.out(
      JSON.stringify({
        status: verdict.status,
        code: verdict.code,
        reason: verdict.reason,
        ...(cert && { serial: cert.serialText, issuer: cert.issuerText }),
        skipped,
        ...(sources && {
          decidedBy: sources.decidedBy,
          sources: sources.answers.map((a) => ({ source: a.source, status: a.answer.status, code: a.answer.code, reason: a.answer.reason })),
        }),
      }),
    );
  } else {
    io.out(verdict.status === 'unknown' ? `unknown: ${verdict.reason}` : verdict.status);
    if (sources) io.out(`decided by: ${sources.decidedBy} (${sources.answers.map((a) => `${a.source}: ${a.answer.status} ${a.answer.code}`).join('; ')})`);
  }
  return verdict.status === 'good' ? EXIT.good : verdict.status === 'revoked' ? EXIT.revoked : EXIT.unknown;
}
