import type { Code } from '../errors.js';
import type { CertFacts } from '../x509/cert.js';
import { covers, scopeKey } from '../crl/scope.js';
import { nameKey } from '../x509/name.js';
import type { RevocationIndex } from './index.js';

export type Status = 'good' | 'revoked' | 'unknown';

/** Only `decide` produces `good`: every other path ends in `unknown`, which callers treat as Deny. */
export interface Verdict {
  status: Status;
  code: Code;
  reason: string;
  /** The index that answered (for logs and context), where one did. */
  index?: RevocationIndex;
}

export interface DecideOptions {
  at: Date;
  /** Seconds past a CRL's nextUpdate during which its index still answers. */
  graceSeconds?: number;
}

/**
 * Judges one certificate against the indexes held. An index counts when its issuer (name, and key id where both
 * sides have one) and scope cover the certificate; among indexes for the same issuer and scope only the one with
 * the highest CRL number (then the latest thisUpdate) counts, so a stale copy can never un-revoke.
 */
export function decide(cert: CertFacts, indexes: readonly RevocationIndex[], opts: DecideOptions): Verdict {
  const counting = countingIndexes(cert, indexes);
  if (counting.length === 0) {
    return {
      status: 'unknown',
      code: 'index.not-covered',
      reason: `no CRL covers certificates of issuer "${cert.issuerText}"`,
    };
  }
  const graceMs = (opts.graceSeconds ?? 0) * 1000;
  for (const index of counting) {
    if (index.has(cert.serial)) {
      return { status: 'revoked', code: 'cert.revoked', reason: `serial ${cert.serialText} is revoked`, index };
    }
  }
  const at = opts.at.getTime();
  for (const index of counting) {
    const { thisUpdateMs, nextUpdateMs } = factsOf(index);
    if (at > nextUpdateMs + graceMs) {
      return {
        status: 'unknown',
        code: 'crl.expired',
        reason: `the CRL of "${index.meta.issuerText}" expired at ${index.meta.nextUpdate}`,
        index,
      };
    }
    if (at < thisUpdateMs) {
      return {
        status: 'unknown',
        code: 'crl.not-yet-valid',
        reason: `the CRL of "${index.meta.issuerText}" is valid only from ${index.meta.thisUpdate}`,
        index,
      };
    }
  }
  return { status: 'good', code: 'cert.good', reason: 'not revoked', index: counting[0] };
}

function countingIndexes(cert: CertFacts, indexes: readonly RevocationIndex[]): RevocationIndex[] {
  const best = new Map<string, RevocationIndex>();
  let certKeyId: string | undefined;
  for (const index of indexes) {
    const facts = factsOf(index);
    if (facts.issuerKey !== cert.issuerKey) continue;
    if (facts.keyId !== null && cert.authorityKeyId !== undefined) {
      certKeyId ??= hex(cert.authorityKeyId);
      if (facts.keyId !== certKeyId) continue;
    }
    if (!covers(index.meta.scope, cert)) continue;
    const held = best.get(facts.group);
    if (held === undefined || newer(index, held)) best.set(facts.group, index);
  }
  return [...best.values()];
}

// What an index is matched and judged by, derived from its meta once: the issuer's comparison key comes from the stored DER
// (so a blob never carries a key that a later, corrected name comparison would disagree with), and the group
// (key id + scope) under which only the highest CRL number counts.
interface IndexFacts {
  issuerKey: string;
  keyId: string | null;
  group: string;
  thisUpdateMs: number;
  /** Infinity for a CRL without nextUpdate (accepted only when explicitly allowed). */
  nextUpdateMs: number;
}
const indexFacts = new WeakMap<RevocationIndex, IndexFacts>();
function factsOf(index: RevocationIndex): IndexFacts {
  let facts = indexFacts.get(index);
  if (facts === undefined) {
    const meta = index.meta;
    facts = {
      issuerKey: nameKey(Buffer.from(meta.issuer, 'base64')),
      keyId: meta.authorityKeyId,
      group: `${meta.authorityKeyId ?? ''}|${scopeKey(meta.scope)}`,
      thisUpdateMs: Date.parse(meta.thisUpdate),
      nextUpdateMs: meta.nextUpdate === null ? Infinity : Date.parse(meta.nextUpdate),
    };
    indexFacts.set(index, facts);
  }
  return facts;
}

/** An index's thisUpdate and nextUpdate (Infinity when absent) in ms, parsed once per index. */
export function indexTimes(index: RevocationIndex): { thisUpdateMs: number; nextUpdateMs: number } {
  return factsOf(index);
}

function newer(a: RevocationIndex, b: RevocationIndex): boolean {
  const na = a.meta.crlNumber === null ? -1n : BigInt(a.meta.crlNumber);
  const nb = b.meta.crlNumber === null ? -1n : BigInt(b.meta.crlNumber);
  if (na !== nb) return na > nb;
  return factsOf(a).thisUpdateMs > factsOf(b).thisUpdateMs;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
