import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CrlAuthorizerError } from '../errors.js';
import { CHECKSUMMED_FROM, verifyBlobWith, type BlobHeader, type BlobMeta } from '../blob/header.js';
import { checksumAt, instantiate, reserve, type KernelExports } from './kernel.js';

export { referenceHas, referenceSearcher } from './reference.js';

/** The longest key a blob holds (MAX_SERIAL_OCTETS); the scratch area has room for it. */
const MAX_KEY = 64;

/**
 * One blob in its own WebAssembly instance and memory, answering `has(serialKey)`. Loading verifies the header and
 * the checksum; after that the memory never grows, so the views made here stay valid for the index's life.
 */
export class RevocationIndex {
  readonly header: BlobHeader;
  readonly meta: BlobMeta;
  /** Distinct serials held (records plus overflow records). */
  readonly count: number;
  /** Size of the blob in bytes. */
  readonly byteLength: number;
  private readonly kernel: KernelExports;
  private readonly keyArea: Uint8Array;
  private readonly keyPtr: number;

  private constructor(kernel: KernelExports, header: BlobHeader) {
    this.kernel = kernel;
    this.header = header;
    this.meta = header.meta;
    this.count = header.count + header.overflowCount;
    this.byteLength = header.totalLength;
    this.keyPtr = kernel.scratch() >>> 0;
    this.keyArea = new Uint8Array(kernel.memory.buffer, this.keyPtr, MAX_KEY);
  }

  /** Copies the blob once into a new instance's memory and verifies it there. */
  static fromBytes(blob: Uint8Array): RevocationIndex {
    const kernel = instantiate();
    const base = reserve(kernel, blob.length);
    const placed = new Uint8Array(kernel.memory.buffer, base, blob.length);
    placed.set(blob);
    return RevocationIndex.load(kernel, placed);
  }

  /** Reads the file straight into a new instance's memory (no intermediate buffer). fs errors pass through. */
  static fromFile(path: string): RevocationIndex {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const kernel = instantiate();
      const base = reserve(kernel, size);
      const placed = new Uint8Array(kernel.memory.buffer, base, size);
      let done = 0;
      while (done < size) {
        const n = readSync(fd, placed, done, size - done, done);
        if (n === 0) break;
        done += n;
      }
      if (done < size) {
        throw new CrlAuthorizerError('blob.malformed', `blob: ${path} shrank to ${done} bytes while being read`);
      }
      return RevocationIndex.load(kernel, placed);
    } finally {
      closeSync(fd);
    }
  }

  private static load(kernel: KernelExports, placed: Uint8Array): RevocationIndex {
    const base = placed.byteOffset;
    const header = verifyBlobWith(placed, () =>
      checksumAt(kernel, base + CHECKSUMMED_FROM, placed.length - CHECKSUMMED_FROM),
    );
    if (kernel.init(base) !== 0) {
      throw new CrlAuthorizerError('blob.malformed', 'blob: directory entries are not monotonic from 0 to count');
    }
    return new RevocationIndex(kernel, header);
  }

  /** Whether the serial key (minimal two's complement octets) is revoked in this index. Keys no blob can hold
   * (empty, longer than 64 octets) are not in it. */
  has(serialKey: Uint8Array): boolean {
    const len = serialKey.length;
    if (len === 0 || len > MAX_KEY) return false;
    // A byte loop, not keyArea.set(): for keys of a few dozen octets set() costs a builtin call that measured
    // about twice the whole copy (bench/lookup-micro.ts).
    const area = this.keyArea;
    for (let i = 0; i < len; i++) area[i] = serialKey[i]!;
    return this.kernel.has(this.keyPtr, len) !== 0;
  }

  /**
   * Reserves a new instance's memory for a blob of `size` bytes, lets `fill` write it in place (ranged GETs, each
   * part at its offset: no buffer of the whole blob outside WASM memory), then verifies it as `fromBytes` does.
   */
  static async fromFill(size: number, fill: (placed: Uint8Array) => Promise<void>): Promise<RevocationIndex> {
    const kernel = instantiate();
    const base = reserve(kernel, size); // grows the memory: take the buffer after it
    const placed = new Uint8Array(kernel.memory.buffer, base, size);
    await fill(placed);
    return RevocationIndex.load(kernel, placed);
  }
}
