import fc from 'fast-check';

/** One edit of a byte string. Positions are taken modulo the length, so any generated value applies. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'duplicate'; at: number; n: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'length'; at: number; form: number }
  | { kind: 'tag'; at: number; byte: number };

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff, 0x30, 0x31, 0x02, 0x03, 0x04, 0x05, 0x06, 0xa0, 0xa3];

const byteArb = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...INTERESTING));

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: byteArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 16 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('length' as const), at: fc.nat(), form: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tag' as const), at: fc.nat(), byte: byteArb }) },
);

export const mutationsArb = fc.array(mutationArb, { minLength: 1, maxLength: 4 });

/** Offsets of TLV headers in a DER buffer (a best-effort walk), where length and tag edits do the most damage. */
function headerOffsets(b: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (start: number, end: number, depth: number): void => {
    let p = start;
    while (p + 2 <= end && out.length < 4096) {
      out.push(p);
      const tag = b[p]!;
      let len = b[p + 1]!;
      let body = p + 2;
      if (len & 0x80) {
        const n = len & 0x7f;
        if (n === 0 || n > 4 || body + n > end) return;
        len = 0;
        for (let i = 0; i < n; i++) len = len * 256 + b[body + i]!;
        body += n;
      }
      if (body + len > end) return;
      if (tag & 0x20 && depth < 12) walk(body, body + len, depth + 1);
      p = body + len;
    }
  };
  walk(0, b.length, 0);
  return out;
}

/** The length forms a length edit writes: off by one, zero, huge, indefinite, non-minimal. */
function lengthOctets(current: number, form: number): number[] {
  switch (form % 8) {
    case 0:
      return current + 1 < 0x80 ? [current + 1] : [0x82, ((current + 1) >> 8) & 0xff, (current + 1) & 0xff];
    case 1:
      return current > 0 && current - 1 < 0x80 ? [current - 1] : [0x00];
    case 2:
      return [0x00];
    case 3:
      return [0x84, 0x7f, 0xff, 0xff, 0xff];
    case 4:
      return [0x80];
    case 5:
      return [0x81, current & 0xff];
    case 6:
      return [0x85, 0x01, 0x00, 0x00, 0x00, 0x00];
    default:
      return [0x84, 0x40, 0x00, 0x00, 0x01];
  }
}

export function mutate(src: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b: Uint8Array = src.slice();
  for (const m of mutations) {
    const n = b.length;
    switch (m.kind) {
      case 'flip':
        if (n > 0) b[m.at % n]! ^= 1 << m.bit;
        break;
      case 'set':
        if (n > 0) b[m.at % n] = m.byte;
        break;
      case 'insert': {
        const at = m.at % (n + 1);
        b = concat(b.subarray(0, at), m.bytes, b.subarray(at));
        break;
      }
      case 'delete': {
        if (n === 0) break;
        const at = m.at % n;
        b = concat(b.subarray(0, at), b.subarray(Math.min(n, at + m.n)));
        break;
      }
      case 'duplicate': {
        if (n === 0) break;
        const at = m.at % n;
        const piece = b.subarray(at, Math.min(n, at + m.n));
        b = concat(b.subarray(0, at), piece, piece, b.subarray(at + piece.length));
        break;
      }
      case 'truncate':
        b = b.slice(0, m.at % (n + 1));
        break;
      case 'append':
        b = concat(b, m.bytes);
        break;
      case 'length':
      case 'tag': {
        const heads = headerOffsets(b);
        if (heads.length === 0) break;
        const h = heads[m.at % heads.length]!;
        if (m.kind === 'tag') {
          b[h] = m.byte;
          break;
        }
        const first = b[h + 1]!;
        const lenOctets = first & 0x80 ? 1 + (first & 0x7f) : 1;
        let current = first;
        if (first & 0x80) {
          current = 0;
          for (let i = 0; i < (first & 0x7f); i++) current = current * 256 + (b[h + 2 + i] ?? 0);
        }
        const repl = Uint8Array.from(lengthOctets(current, m.form));
        b = concat(b.subarray(0, h + 1), repl, b.subarray(Math.min(b.length, h + 1 + lenOctets)));
        break;
      }
    }
  }
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Text edits for PEM: characters deleted, replaced, inserted, lines duplicated, armour damaged. */
export type TextMutation = { kind: 'del' | 'rep' | 'ins' | 'dupline' | 'armour'; at: number; ch: string };

export const textMutationArb: fc.Arbitrary<TextMutation> = fc.record({
  kind: fc.constantFrom('del' as const, 'rep' as const, 'ins' as const, 'dupline' as const, 'armour' as const),
  at: fc.nat(),
  ch: fc.constantFrom('A', '/', '+', '=', '-', '\n', '\r\n', ' ', '\u0000', '\u00e9', '-----BEGIN CERTIFICATE-----', '-----END CERTIFICATE-----', 'Zm9v'),
});

export function mutateText(s: string, ms: readonly TextMutation[]): string {
  for (const m of ms) {
    const n = s.length;
    const at = n === 0 ? 0 : m.at % n;
    switch (m.kind) {
      case 'del':
        s = s.slice(0, at) + s.slice(at + 1);
        break;
      case 'rep':
        s = s.slice(0, at) + m.ch + s.slice(at + 1);
        break;
      case 'ins':
        s = s.slice(0, at) + m.ch + s.slice(at);
        break;
      case 'dupline': {
        const lines = s.split('\n');
        const i = m.at % lines.length;
        lines.splice(i, 0, lines[i]!);
        s = lines.join('\n');
        break;
      }
      case 'armour':
        s = s.replace(m.at % 2 === 0 ? '-----BEGIN CERTIFICATE-----' : '-----END CERTIFICATE-----', m.ch);
        break;
    }
  }
  return s;
}
