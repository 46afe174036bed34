import { codeOf } from '../errors.js';
import { checkCrlSize } from '../limits.js';
import type { ObjectStore } from '../store/types.js';

/**
 * Where a delta CRL lives beside its base (DESIGN.md "Delta CRLs"): `<name>+.crl` (AD CS names its delta so; the
 * S3 event carries `%2B`) or `<name>.delta.crl`, either with `.pem`; both pair with `<name>.crl` and write
 * `<name>.cache.bin`.
 */
export const DELTA_MARKS = ['+', '.delta'] as const;

export interface Slot {
  /** the name of the pair: the base's name, the blob's and the CA certificate's */
  baseName: string;
  /** the key holds a delta (by its name; the content must agree) */
  isDelta: boolean;
}

export function slotOf(name: string): Slot {
  for (const mark of DELTA_MARKS) {
    if (name.endsWith(mark) && name.length > mark.length) return { baseName: name.slice(0, -mark.length), isDelta: true };
  }
  return { baseName: name, isDelta: false };
}

/**
 * The other half of a pair as it is in the store now: the base for a delta, the delta for a base. One LIST of the
 * pair's name finds it; its size is checked before it is downloaded.
 */
export async function counterpart(
  store: ObjectStore,
  slot: Slot,
  suffixes: readonly string[],
): Promise<{ key: string; body: Uint8Array } | undefined> {
  const names = slot.isDelta ? [slot.baseName] : DELTA_MARKS.map((m) => slot.baseName + m);
  const present = new Set(await store.list(slot.baseName));
  const key = names.flatMap((n) => suffixes.map((s) => n + s)).find((k) => present.has(k));
  if (key === undefined) return undefined;
  const head = await store.head(key);
  if (!head) return undefined;
  checkCrlSize(head.size, `CRL ${key}`);
  try {
    const got = await store.get(key);
    return got.status === 'ok' ? { key, body: got.body } : undefined;
  } catch (e) {
    if (codeOf(e) === 'store.not-found') return undefined;
    throw e;
  }
}
