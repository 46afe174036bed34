import { accessSync, closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { messageOf } from '../errors.js';
import { checkCrlSize } from '../limits.js';

/** A file the command could not read (exit 66) or write (exit 73), named with the flag that gave it. */
export class FileError extends Error {
  constructor(
    readonly op: 'read' | 'write',
    readonly path: string,
    readonly what: string,
    cause: unknown,
  ) {
    super(`cannot ${op} ${what} ${path}: ${describe(cause)}`, { cause });
  }
}

function describe(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const plain: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EISDIR: 'is a directory',
    ENOTDIR: 'a parent is not a directory',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'read-only file system',
  };
  return code && plain[code] ? `${plain[code]} (${code})` : messageOf(e);
}

/**
 * Reads one input file, refusing one larger than any input the CLI takes (the CRL limit, the largest) before
 * reading it: a 1 GB file is refused by its size, not after filling memory. `what` names it in errors (`--cert`).
 */
export function readInput(path: string, what = 'input'): Buffer {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    size = st.size;
  } catch (e) {
    throw new FileError('read', path, what, e);
  }
  checkCrlSize(size, `${what} ${path}`);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FileError('read', path, what, e);
  }
}

/**
 * Refuses an output path before any work: its folder must exist and be writable, and an existing file must be
 * writable itself (a read-only file is the user saying "keep this", which a rename would silently ignore).
 */
export function checkWritable(path: string, what: string): void {
  try {
    const dir = statSync(dirname(path));
    if (!dir.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    writable(dirname(path), dir.mode);
    let file;
    try {
      file = statSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      return;
    }
    if (file.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    writable(path, file.mode);
  } catch (e) {
    throw new FileError('write', path, what, e);
  }
}

/** Writable by us, and not marked read-only by its mode (root may write anything; a 0444 file still means no). */
function writable(path: string, mode: number): void {
  accessSync(path, constants.W_OK);
  if ((mode & 0o222) === 0) throw Object.assign(new Error('read-only'), { code: 'EACCES' });
}

/** Writes through a temporary file and a rename, so a failed write leaves the previous file as it was. */
export function writeAtomic(path: string, bytes: Uint8Array, what = 'output'): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new FileError('write', path, what, e);
  }
}
