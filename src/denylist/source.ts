import { codeOf, messageOf, type Code } from '../errors.js';
import type { SourceAnswer, RevocationSource } from '../sources/types.js';
import type { ObjectStore } from '../store/types.js';
import type { CertFacts } from '../x509/cert.js';
import { EMPTY_DENYLIST, parseDenylist } from './format.js';
import { CompiledDenylist, describeEntry } from './match.js';

const NOT_LISTED: SourceAnswer = Object.freeze({ status: 'good', code: 'cert.good', reason: 'not on the denylist' });

/** DESIGN.md: `CRL_DENYLIST_KEY`. */
export const DEFAULT_DENYLIST_KEY = 'denylist.json';

/** What the last refresh did, for the metric a broken denylist raises (`DenylistMalformed`). */
export type RefreshOutcome =
  | { status: 'loaded'; entries: number; etag: string }
  | { status: 'unchanged' }
  | { status: 'absent' }
  | { status: 'kept'; code: Code; reason: string };

/**
 * The break-glass denylist as a revocation source. It holds the last good list and refreshes it from the store by
 * ETag (a conditional GET: an unchanged denylist costs a 304). A denylist that fails to parse, or a store that
 * fails, never replaces the list held (`kept`); a missing object is an empty list.
 *
 * A certificate it does not list gets `good`, which allows nothing by itself: the denylist does not vouch
 * (`verdictOf` in lookup/decide.ts), so only a CRL or OCSP `good` can make the verdict an Allow.
 */
export class DenylistSource implements RevocationSource {
  readonly name = 'denylist' as const;
  private current = new CompiledDenylist(EMPTY_DENYLIST);
  private etag: string | undefined;

  constructor(
    private readonly store: ObjectStore,
    readonly key: string = DEFAULT_DENYLIST_KEY,
  ) {}

  get size(): number {
    return this.current.size;
  }

  async refresh(): Promise<RefreshOutcome> {
    try {
      const res = await this.store.get(this.key, this.etag !== undefined ? { ifNoneMatch: this.etag } : {});
      if (res.status === 'not-modified') return { status: 'unchanged' };
      const compiled = new CompiledDenylist(parseDenylist(res.body));
      this.current = compiled;
      this.etag = res.etag;
      return { status: 'loaded', entries: compiled.size, etag: res.etag };
    } catch (e) {
      if (codeOf(e) === 'store.not-found') {
        this.current = new CompiledDenylist(EMPTY_DENYLIST);
        this.etag = undefined;
        return { status: 'absent' };
      }
      return { status: 'kept', code: codeOf(e), reason: messageOf(e) };
    }
  }

  check(cert: CertFacts, at: Date): SourceAnswer {
    const entry = this.current.match(cert, at);
    if (entry === undefined) return NOT_LISTED;
    return {
      status: 'revoked',
      code: 'denylist.matched',
      reason: `on the denylist (${describeEntry(entry)}): ${entry.reason}`,
      summary: {
        source: 'denylist',
        id: this.key,
        detail: {
          reason: entry.reason,
          addedBy: entry.addedBy,
          addedAt: entry.addedAt,
          ...(entry.expires !== undefined && { expires: entry.expires }),
        },
      },
    };
  }
}
