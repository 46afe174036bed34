import { encodeBlob } from '../blob/encode.js';
import { readBlobHeader, type BlobMeta } from '../blob/header.js';
import { readCrl } from '../crl/parse.js';
import { applyCrlPolicy, type AcceptedCrl } from '../crl/policy.js';
import type { CrlScope } from '../crl/scope.js';
import { SerialKeysBuilder, type SerialKeys } from '../crl/types.js';
import { verifyCrlSignature } from '../crl/verify.js';
import { bytesEqual } from '../der/index.js';
import { CrlAuthorizerError, isCoded } from '../errors.js';
import type { CertFacts } from '../x509/cert.js';
import { indexInfo } from '../lookup/info.js';
import { blobMeta, readCertificates, refuseRollback, type PreprocessOptions, type PreprocessResult } from './preprocess.js';

/**
 * Delta CRLs (RFC 5280 5.2.4, 6.3.3): a complete CRL and the delta that brings it up to date become one blob. The
 * delta must come from the same issuer (name and key id), speak for the same scope, and apply to this base:
 * BaseCRLNumber <= base's CRL number < delta's CRL number. The blob holds the base's revoking serials minus those the
 * delta lists with removeFromCRL, plus the delta's revoking serials; its nextUpdate is the earlier of the two, its
 * crlNumber the delta's, and it records both numbers so rollback protection covers both.
 */

export interface PairResult extends PreprocessResult {
  /** The delta that went into the blob, when one did. */
  delta?: AcceptedCrl;
  /**
   * Why the delta given was left out (its `crl.*` error): the blob is then the base's alone. A caller handling the
   * delta's own upload treats this as that upload's rejection.
   */
  deltaProblem?: CrlAuthorizerError;
}

/**
 * Verifies a complete CRL and, when given, its delta, and encodes the blob for what they say together. The base
 * must pass every check (a delta at a complete CRL's place is `crl.delta-no-base`). A delta that fails a check, or
 * is older than the base, is left out and reported in `deltaProblem`, unless the base has a critical freshestCRL:
 * such a base is not usable alone (RFC 5280 5.2.6), `crl.delta-missing`.
 */
export function preprocessPair(
  base: Uint8Array | string,
  delta: Uint8Array | string | undefined,
  caCerts: readonly (Uint8Array | string | CertFacts)[],
  opts: PreprocessOptions,
): PairResult {
  return encodePair(verifyPair(base, delta, caCerts, opts));
}

/**
 * `preprocessPair` up to the blob: everything checked, nothing encoded. Nothing returned refers to the CRLs' bytes,
 * so a caller that drops its own references before `encodePair` lets them go: at 1e7 entries that is 360 MB less
 * beside the blob being encoded (issue #11).
 */
export interface VerifiedPair extends Omit<PairResult, 'blob' | 'meta'> {
  keys: SerialKeys;
  blobMeta: BlobMeta;
}

export function encodePair(v: VerifiedPair): PairResult {
  const { keys, blobMeta: forBlob, ...rest } = v;
  const blob = encodeBlob(keys, forBlob);
  return { ...rest, blob, meta: readBlobHeader(blob).meta };
}

export function verifyPair(
  base: Uint8Array | string,
  delta: Uint8Array | string | undefined,
  caCerts: readonly (Uint8Array | string | CertFacts)[],
  opts: PreprocessOptions,
): VerifiedPair {
  const cas = caCerts.flatMap((c) => (c instanceof Uint8Array || typeof c === 'string' ? readCertificates(c) : [c]));
  if (cas.length === 0) throw new CrlAuthorizerError('crl.ca-missing', 'no CA certificate was given for the CRL');
  const policy = { at: opts.at, allowNoNextUpdate: opts.allowNoNextUpdate ?? false };
  const parsedBase = readCrl(base);
  if (parsedBase.extensions.deltaBaseCrlNumber !== undefined) {
    throw new CrlAuthorizerError(
      'crl.delta-no-base',
      'the complete CRL given is a delta CRL (deltaCRLIndicator, RFC 5280 5.2.4): a delta is applied to its base, ' +
        'never used alone (name it <name>+.crl or <name>.delta.crl beside <name>.crl)',
    );
  }
  const b = applyCrlPolicy(verifyCrlSignature(parsedBase, cas, policy), { ...policy, freshestCritical: 'accept' });

  let d: AcceptedCrl | undefined;
  let deltaProblem: CrlAuthorizerError | undefined;
  if (delta !== undefined) {
    try {
      d = acceptDelta(delta, b, cas, policy);
    } catch (e) {
      if (!isCoded(e)) throw e;
      deltaProblem = e;
    }
  }
  if (!d && b.freshestCrl?.critical) {
    throw new CrlAuthorizerError(
      'crl.delta-missing',
      'the complete CRL has a critical freshestCRL (RFC 5280 5.2.6): it may not be used without its delta CRL' +
        (deltaProblem ? `, and the delta was refused: ${deltaProblem.code}: ${deltaProblem.message}` : ', and none was given'),
    );
  }
  if (!d) {
    const replaces = opts.previous && refuseRollback(indexInfo(blobMeta(b)), opts.previous);
    return { keys: b.keys, blobMeta: blobMeta(b), facts: b, ...(replaces && { replaces }), ...(deltaProblem && { deltaProblem }) };
  }

  const nextUpdate = earlier(b.nextUpdate, d.nextUpdate);
  const effective = { crlNumber: d.crlNumber, thisUpdate: d.thisUpdate };
  let replaces: string | undefined;
  if (opts.previous) {
    replaces = refuseRollback(
      indexInfo({ ...blobMeta(b), crlNumber: d.crlNumber!.toString(10), thisUpdate: d.thisUpdate.toISOString() }),
      opts.previous,
    );
    const prevBase = opts.previous.baseCrlNumber;
    if (prevBase !== undefined && b.crlNumber! < BigInt(prevBase)) {
      throw new CrlAuthorizerError('crl.rollback', `base CRL number ${b.crlNumber} is lower than the current blob's base ${prevBase}`);
    }
  }
  const keys = applyDelta(b.keys, d.keys, d.removed);
  const meta = {
    ...blobMeta(b),
    thisUpdate: d.thisUpdate.toISOString(),
    nextUpdate: nextUpdate ? nextUpdate.toISOString() : null,
    crlNumber: d.crlNumber!.toString(10),
    entries: b.entries + d.entries,
    baseCrlNumber: b.crlNumber!.toString(10),
    deltaCrlNumber: d.crlNumber!.toString(10),
    deltaCrlSha256: Buffer.from(d.sha256).toString('hex'),
  };
  const facts = { ...b, keys, ...effective, ...(nextUpdate && { nextUpdate }) };
  return { keys, blobMeta: meta, facts, delta: d, ...(replaces && { replaces }) };
}

/** RFC 5280 6.3.3 (b)(1)-(2) and 5.2.4: may this verified delta be applied to that accepted base? */
function acceptDelta(
  delta: Uint8Array | string,
  base: AcceptedCrl,
  cas: readonly CertFacts[],
  policy: { at: Date; allowNoNextUpdate: boolean },
): AcceptedCrl {
  const parsed = readCrl(delta);
  const baseNumber = parsed.extensions.deltaBaseCrlNumber;
  if (baseNumber === undefined) {
    throw new CrlAuthorizerError('crl.delta-base-mismatch', 'the delta CRL given has no deltaCRLIndicator: it is a complete CRL at a delta\'s place');
  }
  const d = applyCrlPolicy(verifyCrlSignature(parsed, cas, policy), { ...policy, delta: 'accept', freshestCritical: 'accept' });
  const mismatch = (why: string): never => {
    throw new CrlAuthorizerError('crl.delta-base-mismatch', `the delta CRL does not apply to the complete CRL: ${why}`);
  };
  if (d.issuerKey !== base.issuerKey) mismatch(`issuer "${d.issuerText}" is not "${base.issuerText}"`);
  if (d.authorityKeyId && base.authorityKeyId && !bytesEqual(d.authorityKeyId, base.authorityKeyId)) {
    mismatch('their authority key identifiers differ');
  }
  if (!sameScope(d.scope, base.scope)) mismatch('their issuingDistributionPoint scopes differ (RFC 5280 6.3.3 (b)(2)(iv))');
  if (d.crlNumber === undefined) mismatch('the delta has no cRLNumber (RFC 5280 5.2.4 requires one)');
  if (base.crlNumber === undefined) mismatch('the complete CRL has no cRLNumber');
  const dn = d.crlNumber!;
  const bn = base.crlNumber!;
  if (dn <= bn) mismatch(`delta CRL number ${dn} is not above the complete CRL's ${bn}: the complete CRL is newer`);
  if (baseNumber > bn) {
    mismatch(`the delta needs a complete CRL numbered ${baseNumber} or later, and this one is ${bn}`);
  }
  return d;
}

function sameScope(a: CrlScope, b: CrlScope): boolean {
  if (a.onlyUserCerts !== b.onlyUserCerts || a.onlyCaCerts !== b.onlyCaCerts || a.onlyAttributeCerts !== b.onlyAttributeCerts) {
    return false;
  }
  const x = [...a.distributionPoints].sort();
  const y = [...b.distributionPoints].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function earlier(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

/**
 * (base − removed) ∪ added, as one arena (the encoder folds duplicates). A serial both removed and re-revoked by
 * the delta stays revoked: its revoking entry is in `added`. The removed set is small (holds released since the
 * base); a 64 Ki-bit filter on a hash of each key keeps the million base keys from each paying a string and a Set
 * lookup.
 */
export function applyDelta(base: SerialKeys, added: SerialKeys, removed: SerialKeys): SerialKeys {
  const out = new SerialKeysBuilder(base.count + added.count, base.bytes.length + added.bytes.length);
  const filter = new Uint8Array(1 << 13);
  const gone = new Set<string>();
  for (let i = 0; i < removed.count; i++) {
    const s = removed.offsets[i]!;
    const e = removed.offsets[i + 1]!;
    const h = hash16(removed.bytes, s, e);
    filter[h >>> 3]! |= 1 << (h & 7);
    gone.add(Buffer.from(removed.bytes.buffer, removed.bytes.byteOffset + s, e - s).toString('latin1'));
  }
  const bytes = base.bytes;
  for (let i = 0; i < base.count; i++) {
    const s = base.offsets[i]!;
    const e = base.offsets[i + 1]!;
    if (removed.count > 0) {
      const h = hash16(bytes, s, e);
      if ((filter[h >>> 3]! & (1 << (h & 7))) !== 0 &&
        gone.has(Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s).toString('latin1'))) continue;
    }
    out.push(bytes, s, e);
  }
  for (let i = 0; i < added.count; i++) out.push(added.bytes, added.offsets[i]!, added.offsets[i + 1]!);
  return out.finish();
}

/** FNV-1a folded to 16 bits. */
function hash16(b: Uint8Array, s: number, e: number): number {
  let h = 0x811c9dc5;
  for (let i = s; i < e; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return (h ^ (h >>> 16)) & 0xffff;
}

export interface CrlFile {
  path: string;
  bytes: Uint8Array | string;
}

export interface PairedFiles {
  /** One blob per complete CRL, with the delta it took (when one did). */
  blobs: { paths: string[]; result: PairResult }[];
  /** Files that went into no blob, each with why. */
  skipped: { path: string; error: CrlAuthorizerError }[];
}

/**
 * `check --crl base.crl --crl delta.crl`: the pairing the preprocessor makes in the store, made over files. Each
 * delta (recognised by its deltaCRLIndicator) goes to the complete CRL of its issuer and scope; of several deltas for
 * one base, the highest-numbered one.
 */
export function pairCrlFiles(files: readonly CrlFile[], cas: readonly CertFacts[], opts: PreprocessOptions): PairedFiles {
  const skipped: PairedFiles['skipped'] = [];
  const bases: { file: CrlFile; issuerKey: string; scope: CrlScope }[] = [];
  const deltas: { file: CrlFile; issuerKey: string; scope: CrlScope; number: bigint }[] = [];
  for (const file of files) {
    try {
      const c = readCrl(file.bytes);
      const entry = { file, issuerKey: c.issuerKey, scope: c.extensions.scope };
      if (c.extensions.deltaBaseCrlNumber === undefined) bases.push(entry);
      else deltas.push({ ...entry, number: c.extensions.crlNumber ?? -1n });
    } catch (e) {
      if (!isCoded(e)) throw e;
      skipped.push({ path: file.path, error: e });
    }
  }
  const used = new Set<CrlFile>();
  const blobs: PairedFiles['blobs'] = [];
  for (const base of bases) {
    const mine = deltas
      .filter((d) => d.issuerKey === base.issuerKey && sameScope(d.scope, base.scope))
      .sort((x, y) => (x.number > y.number ? -1 : x.number < y.number ? 1 : 0))[0];
    if (mine) used.add(mine.file);
    try {
      const result = preprocessPair(base.file.bytes, mine?.file.bytes, cas, opts);
      blobs.push({ paths: [base.file.path, ...(result.delta && mine ? [mine.file.path] : [])], result });
      if (result.deltaProblem && mine) skipped.push({ path: mine.file.path, error: result.deltaProblem });
    } catch (e) {
      if (!isCoded(e)) throw e;
      skipped.push({ path: base.file.path, error: e });
      if (mine) skipped.push({ path: mine.file.path, error: noBase(`its complete CRL ${base.file.path} was refused`) });
    }
  }
  for (const d of deltas) {
    if (!used.has(d.file)) skipped.push({ path: d.file.path, error: noBase('no complete CRL of its issuer and scope was given') });
  }
  return { blobs, skipped };
}

function noBase(why: string): CrlAuthorizerError {
  return new CrlAuthorizerError('crl.delta-no-base', `delta CRL not used: ${why} (RFC 5280 5.2.4: a delta needs its base)`);
}
