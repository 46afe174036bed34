import { existsSync } from 'node:fs';
import { readBlobHeader, type BlobHeader } from '../blob/header.js';
import { isCoded } from '../errors.js';
import { preprocess } from '../preprocessor/preprocess.js';
import { EXIT, parse, parseTime, requireOne } from './args.js';
import { checkWritable, readInput, writeAtomic } from './files.js';
import { readChecked } from './pem-check.js';
import type { Io } from './io.js';

export function preprocessCommand(args: string[], io: Io): number {
  const { values } = parse(args, {
    crl: { type: 'string' },
    ca: { type: 'string', multiple: true },
    out: { type: 'string' },
    at: { type: 'string' },
    'allow-no-next-update': { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    progress: { type: 'boolean' },
  });
  const crlPath = requireOne(values.crl, '--crl');
  const caPaths = values.ca ?? [];
  if (caPaths.length === 0) requireOne(undefined, '--ca');
  const out = requireOne(values.out, '--out');
  const at = parseTime(values.at);

  // Refused before any work: a CRL of a gigabyte is not verified only to find the output folder missing.
  checkWritable(out, '--out');
  const crl = readChecked(crlPath, '--crl', 'crl');
  const cas = caPaths.map((path) => readChecked(path, '--ca', 'certs'));
  const previous = values.force ? undefined : currentBlob(out, io);
  const progress = phases(io, crl.length, values.progress ?? false);
  const { blob, meta } = preprocess(crl, cas, {
    at,
    allowNoNextUpdate: values['allow-no-next-update'] ?? false,
    ...(previous && { previous: previous.meta }),
  });
  progress.done(`${meta.entries} entries verified and packed`);
  writeAtomic(out, blob, '--out');
  progress.wrote(`${blob.length} bytes`);
  if (values.json) {
    io.out(JSON.stringify({ out, bytes: blob.length, ...meta }));
  } else {
    io.out(
      `wrote ${out}: ${meta.revoked} revoked serials (${meta.entries} entries), ${blob.length} bytes, ` +
        `CRL number ${meta.crlNumber ?? 'none'}, next update ${meta.nextUpdate ?? 'none'}`,
    );
  }
  return EXIT.good;
}

/** The blob `--out` would replace, for rollback protection; an unreadable one is reported and replaced. */
function currentBlob(path: string, io: Io): BlobHeader | undefined {
  if (!existsSync(path)) return undefined;
  try {
    return readBlobHeader(readInput(path));
  } catch (e) {
    if (!isCoded(e)) throw e;
    io.err(`note: the existing ${path} is not a usable blob (${e.code}); it will be replaced`);
    return undefined;
  }
}

/** CRLs above this size take about a second or more to verify and pack here: worth a progress line on a TTY. */
const PROGRESS_BYTES = 8 * 1024 * 1024;

/**
 * Phase lines on stderr for a CRL large enough to take a while, when stderr is a terminal (nothing when piped or
 * the CRL is small), or always with `--progress`. `preprocess()` is one synchronous pass, so the lines bracket it
 * (and give its entry count and time) rather than tick inside it.
 */
function phases(io: Io, bytes: number, forced: boolean): { done(what: string): void; wrote(what: string): void } {
  if (!forced && (!io.tty || bytes < PROGRESS_BYTES)) return { done: () => undefined, wrote: () => undefined };
  const started = Date.now();
  const seconds = () => ((Date.now() - started) / 1000).toFixed(1);
  io.err(`progress: verifying the signature and streaming the entries of a ${(bytes / 1048576).toFixed(1)} MiB CRL`);
  return {
    done: (what) => io.err(`progress: ${what} in ${seconds()} s; writing the blob`),
    wrote: (what) => io.err(`progress: wrote ${what} in ${seconds()} s`),
  };
}
