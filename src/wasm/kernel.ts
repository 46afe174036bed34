import { CrlAuthorizerError } from '../errors.js';
import { WASM_BASE64 } from './module.generated.js';

/** The slice of the WebAssembly JS API used here (TypeScript's ES2022 lib, without DOM, does not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of assembly/index.ts. Pointers are i32 on the wire: read them back with `>>> 0`. */
export interface KernelExports {
  memory: WasmMemory;
  heapBase(): number;
  scratch(): number;
  dataBase(): number;
  xxh64(ptr: number, len: number): bigint;
  xxh64Begin(): void;
  xxh64Stripes(ptr: number, len: number): void;
  xxh64End(ptr: number, total: bigint): bigint;
  init(
    version: number,
    dirPtr: number,
    recPtr: number,
    width: number,
    count: number,
    dirBits: number,
    ovPtr: number,
    ovWidth: number,
    ovCount: number,
    filterPtr: number,
    seed: number,
    segmentLength: number,
    segmentCount: number,
  ): number;
  probe(keyPtr: number, keyLen: number): number;
  has(keyPtr: number, keyLen: number): number;
  hasPlain(base: number, width: number, count: number, keyPtr: number, keyLen: number): number;
  fuseBegin(
    xs: number,
    bs: number,
    skip: number,
    cnt: number,
    xor: number,
    order: number,
    work: number,
    fp: number,
    seed: number,
    segmentLength: number,
    segmentCount: number,
  ): void;
  fuseAdd(from: number, to: number): void;
  fuseKept(): number;
  fusePeel(from: number, to: number): number;
  fuseAssign(from: number, to: number): void;
  fuseLaneB(records: number, width: number, count: number, out: number): void;
  fuseSample(fp: number, sample: number): number;
}

const PAGE = 65536;
/** wasm32 linear memory tops out at 65536 pages. */
export const MAX_MEMORY_BYTES = 65536 * PAGE;
/** Bytes kept free past the data so that no search or hash range ends exactly at the 4 GiB wrap. */
const TAIL_SLACK = 64;

let compiled: object | undefined;

/** Compiled once per process from the bytes embedded at build time (no file to find beside the bundle). */
function module(): object {
  compiled ??= new wasmApi.Module(Buffer.from(WASM_BASE64, 'base64'));
  return compiled;
}

/** A fresh instance with its own memory: dropping it releases the memory to the garbage collector. */
export function instantiate(): KernelExports {
  return new wasmApi.Instance(module(), {}).exports as unknown as KernelExports;
}

/**
 * Grows the instance's memory so that `bytes` fit from dataBase() and returns that address. Call it once, before
 * making any view: growing detaches the views made before.
 */
export function reserve(k: KernelExports, bytes: number): number {
  const base = k.dataBase() >>> 0;
  const need = base + bytes + TAIL_SLACK;
  if (need > MAX_MEMORY_BYTES) {
    throw new CrlAuthorizerError('blob.malformed', `blob of ${bytes} bytes does not fit in 4 GiB of WebAssembly memory`);
  }
  const have = k.memory.buffer.byteLength;
  if (need > have) k.memory.grow(Math.ceil((need - have) / PAGE));
  return base;
}

/** Bytes hashed per call when checking a blob in place: a multiple of the 32-byte stripe. */
const IN_PLACE_WINDOW = 1 << 18;

/**
 * xxHash64 (seed 0) of [ptr, ptr + len) in this instance's memory, fed to the module a window at a time. V8 runs
 * a new WASM function in its baseline tier and swaps in optimised code between calls: one call over a whole blob
 * would run unoptimised to the end (measured: 19 ms instead of 3 ms for 24 MB in a fresh process).
 */
export function checksumAt(k: KernelExports, ptr: number, len: number): bigint {
  const whole = len - (len % 32);
  k.xxh64Begin();
  for (let p = 0; p < whole; p += IN_PLACE_WINDOW) k.xxh64Stripes(ptr + p, Math.min(IN_PLACE_WINDOW, whole - p));
  return BigInt.asUintN(64, k.xxh64End(ptr + whole, BigInt(len)));
}

/** Bytes hashed per copy into the checksum instance: a multiple of the 32-byte stripe. */
const WINDOW = 1 << 20;
let hasher: { k: KernelExports; base: number; window: Uint8Array } | undefined;

/**
 * xxHash64 (seed 0) of bytes that live outside WASM memory. They pass through a 1 MiB window of one small
 * instance kept for the process, so hashing a blob of any size allocates nothing and touches no fresh pages.
 */
export function checksum(bytes: Uint8Array): bigint {
  if (hasher === undefined) {
    const k = instantiate();
    const base = reserve(k, WINDOW);
    hasher = { k, base, window: new Uint8Array(k.memory.buffer, base, WINDOW) };
  }
  const { k, base, window } = hasher;
  const n = bytes.length;
  const whole = n - (n % 32);
  k.xxh64Begin();
  let p = 0;
  for (; p < whole; p += WINDOW) {
    const len = Math.min(WINDOW, whole - p);
    window.set(bytes.subarray(p, p + len));
    k.xxh64Stripes(base, len);
  }
  window.set(bytes.subarray(whole, n));
  return BigInt.asUintN(64, k.xxh64End(base, BigInt(n)));
}
