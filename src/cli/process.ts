import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { messageOf } from '../errors.js';
import { EXIT, UsageError } from './args.js';
import { processIo, type Io } from './io.js';

export { processIo };

/** True when the module at `moduleUrl` is the script node was started with (not when it is imported). */
export function isEntryPoint(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/**
 * Runs a command with this process's arguments and sets the exit code it returns; a usage error that escapes
 * exits 64 with `usage`, anything else 70, so nothing exits 1 (revoked) by accident.
 */
export function runAsProcess(name: string, usage: string, command: (argv: string[], io: Io) => Promise<number>): void {
  command(process.argv.slice(2), processIo).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      const isUsage = e instanceof UsageError;
      process.stderr.write(isUsage ? `${name}: ${e.message} (usage: ${usage})\n` : `${name}: internal error: ${messageOf(e)}\n`);
      process.exitCode = isUsage ? EXIT.usage : EXIT.internal;
    },
  );
}
