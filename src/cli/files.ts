import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { checkCrlSize } from '../limits.js';
import { dirname, basename, join } from 'node:path';

/**
 * Reads one input file, refusing one larger than any input the CLI takes (the CRL limit, the largest) before
 * reading it: a 1 GB file is refused by its size, not after filling memory.
 */
export function readInput(path: string): Buffer {
  checkCrlSize(statSync(path).size, path);
  return readFileSync(path);
}

/** Writes through a temporary file and a rename, so a failed write leaves the previous file as it was. */
export function writeAtomic(path: string, bytes: Uint8Array): void {
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
    throw e;
  }
}
