#!/usr/bin/env node
import { codeOf, isCoded, messageOf } from '../errors.js';
import { EXIT, UsageError, isMissingFile } from './args.js';
import { checkCommand } from './check.js';
import { inspectCommand } from './inspect.js';
import { preprocessCommand } from './preprocess.js';
import { isEntryPoint, processIo, runAsProcess } from './process.js';

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

const USAGE = `usage: crl-authorizer <command> [options]

commands:
  preprocess --crl FILE --ca FILE --out FILE [--at ISO-8601] [--allow-no-next-update] [--force]
      verify a CRL against its CA certificate and write the packed blob
  inspect FILE [--json]
      show a blob's issuer, scope, dates, CRL number, count, record width and size
  check --cert FILE (--blob FILE... | --crl FILE... --ca FILE...) [--at ISO-8601] [--json]
      decide one certificate: prints good, revoked or unknown: <reason>
  serve --truststore FILE --store URL [--port N] [--upstream URL] [--watch [--fetch NAME=URL]... [--fetch-seconds N]]
      a local mTLS gateway that runs the authorizer as API Gateway would
  fetch URL --out FILE [--tls-ca FILE] [--timeout-ms N]
      download a CRL over http(s) with the fetcher's limits; FILE is replaced only when the bytes changed

exit codes: 0 good, 1 revoked, 2 unknown or rejected, 64 usage, 66 input missing, 70 internal error`;

type Command = (args: string[], io: Io) => Promise<number> | number;

const COMMANDS: Record<string, Command> = {
  preprocess: preprocessCommand,
  inspect: inspectCommand,
  check: checkCommand,
  serve: async (args, io) => (await import('./serve.js')).serveCommand(args, io),
  fetch: async (args, io) => (await import('./fetch.js')).fetchCommand(args, io),
};

/** Runs one command and returns its exit code; it catches every error so that nothing exits 1 by accident. */
export async function run(argv: string[], io: Io = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? EXIT.usage : EXIT.good;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`crl-authorizer: unknown command "${name}"\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`crl-authorizer ${name}: ${e.message}\n(run "crl-authorizer --help" for usage)`);
      return EXIT.usage;
    }
    if (isMissingFile(e)) {
      io.err(`crl-authorizer ${name}: cannot read ${(e as NodeJS.ErrnoException).path ?? 'input'}: ${messageOf(e)}`);
      return EXIT.noInput;
    }
    if (isCoded(e) && e.code !== 'internal') {
      io.err(`crl-authorizer ${name}: ${codeOf(e)}: ${e.message}`);
      return EXIT.unknown;
    }
    io.err(`crl-authorizer ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return EXIT.internal;
  }
}

const defaultIo: Io = processIo;

if (isEntryPoint(import.meta.url)) runAsProcess('crl-authorizer', 'crl-authorizer --help', (argv, io) => run(argv, io));
