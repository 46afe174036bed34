import { CrlAuthorizerError, codeOf } from '../errors.js';
import type { ObjectStore } from '../store/types.js';
import { EMPTY_DENYLIST, parseDenylist, serializeDenylist, type Denylist } from './format.js';

/** How many times an edit rereads and retries after another writer got in first, before it fails loudly. */
export const EDIT_ATTEMPTS = 5;

export interface EditResult {
  list: Denylist;
  etag: string;
  /** 1 when nobody else wrote in between. */
  attempts: number;
}

/**
 * Reads the denylist, applies `change` and writes the result only over the version read (If-Match; If-None-Match
 * `*` when there was none), so a concurrent edit is never overwritten: a failed condition rereads and applies the
 * change again to the other writer's list. `change` must be a pure function of the list it is given. A denylist
 * that does not parse is not edited (fix it by hand: an edit must not silently drop entries it could not read).
 */
export async function editDenylist(
  store: ObjectStore,
  key: string,
  change: (list: Denylist) => Denylist,
  attempts = EDIT_ATTEMPTS,
): Promise<EditResult> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const { list, etag } = await readDenylist(store, key);
    const next = change(list);
    try {
      const put = await store.put(key, serializeDenylist(next), etag !== undefined ? { ifMatch: etag } : { ifNoneMatch: '*' });
      return { list: next, etag: put.etag, attempts: attempt };
    } catch (e) {
      if (codeOf(e) !== 'store.precondition-failed') throw e;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
    }
  }
  throw new CrlAuthorizerError(
    'store.precondition-failed',
    `${store.url} ${key}: changed by another writer on each of ${attempts} attempts; nothing was written, try again`,
  );
}

/** The denylist and its ETag; a missing object is the empty list (without an ETag). */
export async function readDenylist(store: ObjectStore, key: string): Promise<{ list: Denylist; etag?: string }> {
  try {
    const res = await store.get(key);
    if (res.status !== 'ok') throw new Error('unconditional get answered not-modified');
    return { list: parseDenylist(res.body), etag: res.etag };
  } catch (e) {
    if (codeOf(e) === 'store.not-found') return { list: EMPTY_DENYLIST };
    throw e;
  }
}
