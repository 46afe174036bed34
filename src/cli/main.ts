#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { codeOf, isCoded, messageOf } from '../errors.js';
import { EXIT, UsageError, isMissingFile } from './args.js';
import { checkCommand } from './check.js';
import { FileError } from './files.js';
import { inspectCommand } from './inspect.js';
import { processIo, type Io } from './io.js';
import { preprocessCommand } from './preprocess.js';
import { isEntryPoint, runAsProcess } from './process.js';
import { USAGE, commandUsage } from './usage.js';

export type { Io } from './io.js';

type Command = (args: string[], io: Io) => Promise<number> | number;

const COMMANDS: Record<string, Command> = {
  preprocess: preprocessCommand,
  inspect: inspectCommand,
  check: checkCommand,
  serve: async (args, io) => (await import('./serve.js')).serveCommand(args, io),
  status: async (args, io) => (await import('./status.js')).statusCommand(args, io),
  deny: async (args, io) => (await import('./deny.js')).denyCommand(args, io),
  fetch: async (args, io) => (await import('./fetch.js')).fetchCommand(args, io),
};

/** Runs one command and returns its exit code; it catches every error so that nothing exits 1 by accident. */
export async function run(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? EXIT.usage : EXIT.good;
  }
  if (name === '--version' || name === '-v') {
    io.out(version());
    return EXIT.good;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`crl-authorizer: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (wantsHelp(rest)) {
    io.out(commandUsage(name));
    return EXIT.good;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    return report(name, e, io);
  }
}

/** `--help` or `-h` anywhere before a `--` (a flag's value cannot be either: parseArgs refuses it as ambiguous). */
function wantsHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The exit code and message for whatever a command threw. */
function report(name: string, e: unknown, io: Io): number {
  if (e instanceof UsageError) {
    io.err(`crl-authorizer ${name}: ${e.message}\n(run "crl-authorizer ${name} --help" for usage)`);
    return EXIT.usage;
  }
  if (e instanceof FileError) {
    io.err(`crl-authorizer ${name}: ${e.message}`);
    return e.op === 'write' ? EXIT.cantCreate : EXIT.noInput;
  }
  if (isMissingFile(e)) {
    const path = (e as NodeJS.ErrnoException).path;
    io.err(`crl-authorizer ${name}: cannot read ${path ?? 'a file'}: ${messageOf(e)}`);
    return EXIT.noInput;
  }
  if (isCoded(e) && e.code !== 'internal') {
    io.err(`crl-authorizer ${name}: ${codeOf(e)}: ${e.message}`);
    return EXIT.unknown;
  }
  io.err(`crl-authorizer ${name}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return EXIT.internal;
}

/** The package's version, from package.json beside `src/` (run by tsx) or beside `dist/` (the built bin). */
export function version(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'crl-authorizer' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

if (isEntryPoint(import.meta.url)) runAsProcess('crl-authorizer', 'crl-authorizer --help', (argv, io) => run(argv, io));
