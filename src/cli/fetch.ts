import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { httpGetCrl } from '../fetcher/http.js';
import { EXIT, UsageError, parse, requireOne } from './args.js';
import { readInput, writeAtomic } from './files.js';
import type { Io } from './io.js';

/** EX_CANTCREAT (DESIGN.md "CLI"): the output file cannot be written. */
const EXIT_CANT_CREATE = 73;

/**
 * `fetch URL --out FILE [--tls-ca FILE] [--timeout-ms N]`: one download with the fetcher Lambda's limits (size,
 * time, redirects, no https→http). FILE is replaced atomically, and only when the bytes changed; a failure leaves
 * it as it was and exits 2 with the `fetch.*` code.
 */
export async function fetchCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    'tls-ca': { type: 'string' },
    'timeout-ms': { type: 'string' },
  }, 'URL');
  if (positionals.length !== 1) throw new UsageError(`fetch takes exactly one URL (got ${positionals.length})`);
  const url = positionals[0]!;
  const out = requireOne(values.out, '--out');
  const timeout = values['timeout-ms'];
  if (timeout !== undefined && !/^[1-9]\d*$/.test(timeout)) throw new UsageError(`--timeout-ms must be a positive integer, not "${timeout}"`);
  const got = await httpGetCrl(url, {}, {
    ...(timeout !== undefined && { timeoutMs: Number(timeout) }),
    ...(values['tls-ca'] !== undefined && { ca: readInput(values['tls-ca']) }),
  });
  if (got.status !== 'ok') throw new Error('an unconditional GET cannot answer 304');
  const sha256 = createHash('sha256').update(got.body).digest('hex');
  if (existsSync(out) && createHash('sha256').update(readFileSync(out)).digest('hex') === sha256) {
    io.out(`${out}: unchanged (${got.body.byteLength} bytes from ${got.url})`);
    return EXIT.good;
  }
  try {
    writeAtomic(out, got.body);
  } catch (e) {
    io.err(`crl-authorizer fetch: cannot write ${out}: ${(e as Error).message}`);
    return EXIT_CANT_CREATE;
  }
  io.out(`wrote ${out}: ${got.body.byteLength} bytes from ${got.url}, sha256 ${sha256}`);
  return EXIT.good;
}
