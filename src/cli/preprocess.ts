import { existsSync } from 'node:fs';
import { readBlobHeader, type BlobHeader } from '../blob/header.js';
import { isCoded } from '../errors.js';
import { preprocess } from '../preprocessor/preprocess.js';
import { EXIT, parse, parseTime, requireOne } from './args.js';
import { readInput, writeAtomic } from './files.js';
import type { Io } from './main.js';

export function preprocessCommand(args: string[], io: Io): number {
  const { values } = parse(args, {
    crl: { type: 'string' },
    ca: { type: 'string', multiple: true },
    out: { type: 'string' },
    at: { type: 'string' },
    'allow-no-next-update': { type: 'boolean' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  const crlPath = requireOne(values.crl, '--crl');
  const caPaths = values.ca ?? [];
  if (caPaths.length === 0) requireOne(undefined, '--ca');
  const out = requireOne(values.out, '--out');
  const at = parseTime(values.at);

  const crl = readInput(crlPath);
  const cas = caPaths.map(readInput);
  const previous = values.force ? undefined : currentBlob(out, io);
  const { blob, meta } = preprocess(crl, cas, {
    at,
    allowNoNextUpdate: values['allow-no-next-update'] ?? false,
    ...(previous && { previous: previous.meta }),
  });
  writeAtomic(out, blob);
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
