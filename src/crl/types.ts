/**
 * The serial keys of a CRL's revoking entries in one flat arena, never an object per entry
 * (internals.md "Serial key arena"). Key i is `bytes.subarray(offsets[i], offsets[i + 1])`.
 */
export interface SerialKeys {
  /** number of keys (entries that revoke; removeFromCRL entries are not in it) */
  count: number;
  bytes: Uint8Array;
  /** length >= count + 1 */
  offsets: Uint32Array;
}

/** Grows a SerialKeys arena by doubling; the caller sizes the first allocation from what it knows. */
export class SerialKeysBuilder implements SerialKeys {
  count = 0;
  bytes: Uint8Array;
  offsets: Uint32Array;
  private used = 0;

  constructor(expectedKeys: number, expectedBytes: number) {
    this.offsets = new Uint32Array(Math.max(16, expectedKeys + 1));
    this.bytes = new Uint8Array(Math.max(64, expectedBytes));
  }

  /** Appends buf[start, end) as the next key. */
  push(buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (this.used + n > this.bytes.length) {
      // 1.25×, not 2×: the arena is sized from the CRL's length, so a miss is a small one.
      const grown = new Uint8Array(Math.max(Math.ceil(this.bytes.length * 1.25), this.used + n));
      grown.set(this.bytes.subarray(0, this.used));
      this.bytes = grown;
    }
    if (this.count + 2 > this.offsets.length) {
      const grown = new Uint32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    const bytes = this.bytes;
    let w = this.used;
    // a byte loop, not set(subarray()): no view object per entry
    for (let i = start; i < end; i++) bytes[w++] = buf[i]!;
    this.used = w;
    this.count++;
    this.offsets[this.count] = w;
  }

  /** The plain arena (views trimmed to what is used; nothing copied). */
  finish(): SerialKeys {
    return {
      count: this.count,
      bytes: this.bytes.subarray(0, this.used),
      offsets: this.offsets.subarray(0, this.count + 1),
    };
  }
}

/** Key i of an arena, as a view. */
export function keyAt(keys: SerialKeys, i: number): Uint8Array {
  return keys.bytes.subarray(keys.offsets[i]!, keys.offsets[i + 1]!);
}
