import { describe, expect, it } from 'vitest';
import { buildFilter, buildFilterFrom, buildFilterIn, buildFilterReference, filterWorkspace, fuseParams, fusePasses } from '../../src/blob/filter.js';
import { fmix32, recordHashB } from '../../src/blob/hash.js';

/** n hash pairs from a fixed sequence, sorted by x as the encoder passes them (grouped by the top bits of x). */
function lanes(n: number, salt: number): { xs: Uint32Array; bs: Uint32Array } {
  const xs = new Uint32Array(n).map((_, i) => fmix32((Math.imul(i + 1, 0x9e3779b1) ^ salt) >>> 0));
  const bs = new Uint32Array(n).map((_, i) => fmix32((Math.imul(i + 7, 0x85ebca77) ^ salt) >>> 0));
  return { xs: xs.sort(), bs };
}

function both(xs: Uint32Array, bs: Uint32Array) {
  const p = fuseParams(xs.length);
  const wasm = new Uint8Array(p.arrayLength);
  const js = new Uint8Array(p.arrayLength);
  return { p, wasm, js, builtWasm: buildFilter(xs, bs, wasm), builtJs: buildFilterReference(xs, bs, js) };
}

// The encoder builds in WebAssembly; the JavaScript reference is the readable statement of the construction.
// They must give the same bytes, or the same CRL would give different blobs depending on the path taken.
describe('buildFilter (WebAssembly) against buildFilterReference (JavaScript)', () => {
  it.each([0, 1, 2, 3, 100, 4099, 70_000, 300_000])('gives the same seed and fingerprints for %i keys', (n) => {
    const { xs, bs } = lanes(n, n);
    const r = both(xs, bs);
    expect(r.builtWasm).toEqual(r.builtJs);
    expect(Buffer.from(r.wasm).equals(Buffer.from(r.js))).toBe(true);
    for (let i = 0; i < n; i++) {
      if (!fusePasses(r.p, r.wasm, r.builtWasm.seed, xs[i]!, bs[i]!)) throw new Error(`key ${i} of ${n} does not pass`);
    }
  });

  it('takes the same retry path when two keys share a whole 64-bit hash', () => {
    const { xs, bs } = lanes(5000, 9);
    xs[4999] = xs[17]!;
    bs[4999] = bs[17]!;
    const r = both(xs, bs);
    expect(r.builtWasm.seed).not.toBe(0); // the attempts before the duplicate check failed
    expect(r.builtWasm).toEqual(r.builtJs);
    expect(Buffer.from(r.wasm).equals(Buffer.from(r.js))).toBe(true);
  });

  it('hashes lane B from padded records in WebAssembly as recordHashB does in JavaScript', () => {
    // 7000 records of width 12 ([len][octets][zeros]): more than one record window's worth.
    const width = 12;
    const n = 7000;
    const records = new Uint8Array(n * width);
    for (let j = 0; j < n; j++) {
      const len = 1 + (j % (width - 1));
      records[j * width] = len;
      for (let o = 1; o <= len; o++) records[j * width + o] = fmix32(j * 31 + o) & 0xff;
    }
    const words = new Uint32Array(records.buffer);
    const bs = new Uint32Array(n).map((_, j) => recordHashB(words, (j * width) / 4));
    const { xs } = lanes(n, 3);
    const p = fuseParams(n);
    const fromRecords = new Uint8Array(p.arrayLength);
    const js = new Uint8Array(p.arrayLength);
    expect(buildFilterFrom(xs, { records, width }, fromRecords)).toEqual(buildFilterReference(xs, bs, js));
    expect(Buffer.from(fromRecords).equals(Buffer.from(js))).toBe(true);
  });

  it('builds in a workspace made for more keys (the encoder\'s, when keys repeat) the bytes of the reference', () => {
    const { xs, bs } = lanes(3000, 9);
    const ws = filterWorkspace(4000, 5000);
    ws.hashes.fill(0xdeadbeef); // the encoder's per-key hashes, dead by then: lane B overwrites them
    ws.xs.fill(0xffffffff);
    ws.xs.set(xs);
    const p = fuseParams(xs.length);
    const inPlace = new Uint8Array(p.arrayLength);
    const js = new Uint8Array(p.arrayLength);
    expect(buildFilterIn(ws, xs.length, { values: bs }, inPlace)).toEqual(buildFilterReference(xs, bs, js));
    expect(Buffer.from(inPlace).equals(Buffer.from(js))).toBe(true);
    expect(() => buildFilterIn(ws, 4001, { values: new Uint32Array(4001) }, new Uint8Array(fuseParams(4001).arrayLength))).toThrow(/workspace for 4000/);
  });

  it('refuses a fingerprint array of the wrong size', () => {
    const { xs, bs } = lanes(100, 1);
    expect(() => buildFilter(xs, bs, new Uint8Array(fuseParams(100).arrayLength + 1))).toThrow(/filter/);
  });
});
