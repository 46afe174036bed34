import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CrlAuthorizerError } from '../errors.js';
import { CHECKSUMMED_FROM, verifyBlobWith, type BlobHeader, type BlobMeta } from '../blob/header.js';
import { checksumAt, instantiate, reserve, type KernelExports } from '../wasm/kernel.js';

export { referenceFilter, referenceHas, referenceSearcher } from './reference.js';

/**
 * Hands the layout of the blob at `base` (header already parsed and verified) to the module: section addresses
 * and parameters, so the module reads no header field itself. Returns init's answer (0: directory sound).
 */
export function initKernel(kernel: KernelExports, base: number, header: BlobHeader): number {
  const f = header.filter;
  return kernel.init(
    header.version,
    base + header.dirOffset,
    base + header.recordsOffset,
    header.recordWidth,
    header.count,
    header.dirBits,
    base + header.overflowOffset,
    header.overflowWidth,
    header.overflowCount,
    f ? base + header.filterOffset! : 0,
    f?.seed ?? 0,
    f?.segmentLength ?? 0,
    f?.segmentCount ?? 0,
  );
}

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

  /**
   * For a blob fetched in parts (parallel ranged GETs): allocates one instance's memory for `totalLength` bytes
   * and returns a loader whose `write(offset, bytes)` puts each part straight into it, hashing the contiguous
   * prefix as it grows, and whose `finish()` verifies header and checksum and returns the index. See
   * docs/internals.md "The lookup".
   */
  static allocate(totalLength: number): PartLoader {
    return new PartLoader(totalLength);
  }

  /** @internal Verifies the placed blob (checksum by `checksumOfBody`) and hands its layout to the module. */
  static load(kernel: KernelExports, placed: Uint8Array, checksumOfBody?: () => bigint): RevocationIndex {
    const base = placed.byteOffset;
    const header = verifyBlobWith(
      placed,
      checksumOfBody ?? (() => checksumAt(kernel, base + CHECKSUMMED_FROM, placed.length - CHECKSUMMED_FROM)),
    );
    const sound = initKernel(kernel, base, header);
    if (sound !== 0) {
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

  /** Whether the blob's filter lets the key through (always true for version 1 and for overflow-length keys):
   * for tests and the bench, which count false positives. */
  filterPasses(serialKey: Uint8Array): boolean {
    const len = serialKey.length;
    if (len === 0 || len > MAX_KEY) return true;
    this.keyArea.set(serialKey);
    return this.kernel.probe(this.keyPtr, len) !== 0;
  }
}

/** Bytes hashed per call (a multiple of the 32-byte stripe): see checksumAt on why the hash is fed in windows. */
const PART_WINDOW = 1 << 18;

/**
 * A blob arriving in parts, in any order, placed straight into the memory its index will search (no buffer of the
 * whole blob anywhere else). The xxHash64 runs over the contiguous prefix received so far, so by the last part
 * most of the checksum is done. Parts may not overlap; `finish()` refuses a blob with a byte missing.
 */
export class PartLoader {
  readonly totalLength: number;
  private readonly kernel: KernelExports;
  private readonly placed: Uint8Array;
  /** Received ranges [start, end), sorted and merged. */
  private ranges: [number, number][] = [];
  /** Bytes [CHECKSUMMED_FROM, hashedTo) are folded into the running hash; a multiple of 32 past CHECKSUMMED_FROM. */
  private hashedTo = CHECKSUMMED_FROM;
  private finished = false;

  constructor(totalLength: number) {
    if (!Number.isSafeInteger(totalLength) || totalLength < CHECKSUMMED_FROM) {
      throw new CrlAuthorizerError('blob.malformed', `blob: ${totalLength} bytes is too short for a blob header`);
    }
    this.totalLength = totalLength;
    this.kernel = instantiate();
    const base = reserve(this.kernel, totalLength);
    this.placed = new Uint8Array(this.kernel.memory.buffer, base, totalLength);
    this.kernel.xxh64Begin();
  }

  /** Copies one part to `offset`. */
  write(offset: number, bytes: Uint8Array): void {
    if (this.finished) throw new CrlAuthorizerError('internal', 'blob parts: write after finish');
    const end = offset + bytes.length;
    if (!Number.isSafeInteger(offset) || offset < 0 || end > this.totalLength) {
      throw new CrlAuthorizerError('blob.malformed', `blob part [${offset}, ${end}) lies outside its ${this.totalLength} bytes`);
    }
    if (bytes.length === 0) return;
    this.addRange(offset, end);
    this.placed.set(bytes, offset);
    this.hashPrefix();
  }

  /** Verifies the header and checksum of the whole blob and returns its index (blob.* errors as fromBytes). */
  finish(): RevocationIndex {
    const r = this.ranges;
    if (r.length !== 1 || r[0]![0] !== 0 || r[0]![1] !== this.totalLength) {
      throw new CrlAuthorizerError('blob.malformed', `blob parts do not cover its ${this.totalLength} bytes`);
    }
    this.finished = true;
    const k = this.kernel;
    const base = this.placed.byteOffset;
    const total = this.totalLength;
    return RevocationIndex.load(k, this.placed, () =>
      BigInt.asUintN(64, k.xxh64End(base + this.hashedTo, BigInt(total - CHECKSUMMED_FROM))),
    );
  }

  private addRange(start: number, end: number): void {
    const next: [number, number][] = [];
    let s = start;
    let e = end;
    for (const [a, b] of this.ranges) {
      if (b <= s || a >= e) {
        if (b === s) s = a;
        else if (a === e) e = b;
        else next.push([a, b]);
        continue;
      }
      throw new CrlAuthorizerError('blob.malformed', `blob part [${start}, ${end}) overlaps one already written`);
    }
    next.push([s, e]);
    next.sort((x, y) => x[0] - y[0]);
    this.ranges = next;
  }

  /** Folds the whole 32-byte stripes of the contiguous prefix that are not hashed yet. */
  private hashPrefix(): void {
    const first = this.ranges[0]!;
    if (first[0] !== 0) return;
    const stop = CHECKSUMMED_FROM + Math.floor((first[1] - CHECKSUMMED_FROM) / 32) * 32;
    const base = this.placed.byteOffset;
    while (this.hashedTo < stop) {
      const len = Math.min(PART_WINDOW, stop - this.hashedTo);
      this.kernel.xxh64Stripes(base + this.hashedTo, len);
      this.hashedTo += len;
    }
  }
}
