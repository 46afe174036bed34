import { BLOB_SUFFIX, CA_CERT_SUFFIX, DEFAULT_CRL_SUFFIXES, OUTCOME_SUFFIX } from '../config/names.js';
import { codeOf, CrlAuthorizerError, messageOf } from '../errors.js';
import { readBlobHeader } from '../blob/header.js';
import { checkCrlSize } from '../limits.js';
import type { ObjectStore } from '../store/types.js';
import { locationOf, targetOf, type S3Event, type S3EventRecord } from './events.js';
import { outcomeRecord, type RecordOutcome } from './outcome.js';
import { encodePair, verifyPair } from './delta.js';
import { counterpart, slotOf } from './pairing.js';
import { groupIdOf, type PreviousBlob } from './preprocess.js';
import { indexInfo } from '../lookup/info.js';
import { withRefreshedCa, type CaCertificateResolver } from './private-ca.js';

export interface ProcessOptions {
  store: ObjectStore;
  /** The URL events must name (bucket and prefix). @default store.url */
  storeUrl?: string;
  /** CRL_SUFFIXES. @default ['.crl', '.crl.pem'] */
  suffixes?: readonly string[];
  /** CA_CERT_KEY: one CA certificate file for every CRL, relative to the prefix. @default `<name>.ca.pem` */
  caCertKey?: string;
  /** CRL_ALLOW_NO_NEXT_UPDATE. @default false */
  allowNoNextUpdate?: boolean;
  /** Where a CRL's CA certificate comes from when no `<name>.ca.pem` is beside it (AWS Private CA). */
  caCertificates?: CaCertificateResolver;
  /** The one clock: the time every check is made at. */
  now: () => Date;
  /** A structured warning that is not an outcome (an unreadable blob, an outcome record not written). */
  warn: (entry: Record<string, unknown>) => void;
}

/** What the current blob says, for rollback protection and re-delivery. */
type Current = PreviousBlob & { crlSha256: string; deltaCrlSha256?: string; etag: string };

/**
 * The preprocessor over S3 events, as values: each record becomes one outcome (a refused CRL is a `rejected`
 * outcome with its code, never a throw), and each accepted or rejected CRL gets its `<name>.outcome.json`.
 * ObjectCreated on a CRL key verifies the CRL against its CA certificate(s) and writes `<name>.cache.bin`;
 * ObjectRemoved of a CRL deletes its blob. A refused CRL leaves the current blob as it is.
 */
export function createPreprocessor(options: ProcessOptions): (event: S3Event) => Promise<RecordOutcome[]> {
  const { store, now, warn } = options;
  const where = locationOf(options.storeUrl ?? store.url, options.suffixes ?? DEFAULT_CRL_SUFFIXES);

  async function created(key: string, name: string): Promise<{ outcome: RecordOutcome; blobEtag?: string }> {
    // A delta (`<name>+.crl`, `<name>.delta.crl`) and its base write one blob, whichever of them landed.
    const slot = slotOf(name);
    name = slot.baseName;
    const blobKey = name + BLOB_SUFFIX;
    // The size first, so a CRL over the limit is refused before a byte of it is downloaded.
    const head = await store.head(key);
    if (head) checkCrlSize(head.size, `CRL ${key}`);
    let crl = head && (await getOrUndefined(store, key));
    // A late or repeated event for a CRL that is gone since: nothing to do, and no failure to report.
    if (!crl) return { outcome: { key, action: 'skipped', reason: 'the CRL no longer exists' } };
    const caKey = options.caCertKey ?? name + CA_CERT_SUFFIX;
    const ca = await getOrUndefined(store, caKey);
    const resolved = ca ? undefined : await options.caCertificates?.(where.prefix + key);
    if (!ca && !resolved) throw new CrlAuthorizerError('crl.ca-missing', `CA certificate ${caKey} for CRL ${key} was not found`);
    let other = await counterpart(store, slot, where.suffixes);
    if (slot.isDelta && !other) {
      throw new CrlAuthorizerError('crl.delta-no-base', `delta CRL ${key} has no complete CRL ${name}.crl beside it yet`);
    }
    const previous = await currentBlob(blobKey);

    const sourceEtag = crl.etag;
    const otherKey = other?.key;
    const bodies: { base?: Uint8Array; delta?: Uint8Array } = slot.isDelta
      ? { base: other!.body, delta: crl.body }
      : { base: crl.body, delta: other?.body };
    const verify = (cas: Uint8Array[]) =>
      verifyPair(bodies.base!, bodies.delta, cas, {
        at: now(),
        allowNoNextUpdate: options.allowNoNextUpdate ?? false,
        ...(previous && { previous }),
      });
    const verified = ca ? verify([ca.body]) : await withRefreshedCa(options.caCertificates!, where.prefix + key, resolved!, verify);
    // Verified: the CRLs' bytes are no longer needed, and held through encoding they would be the largest part of
    // the peak (360 MB of 1.2 GB at 1e7 entries). Nothing else refers to them now.
    crl = other = undefined;
    bodies.base = bodies.delta = undefined;
    const { blob, facts, meta, replaces, deltaProblem } = encodePair(verified);
    if (deltaProblem && slot.isDelta) throw deltaProblem;
    if (deltaProblem) {
      warn({ level: 'warn', event: 'crl.delta-ignored', key: otherKey!, code: deltaProblem.code, message: deltaProblem.message });
    }
    // Re-delivery, or the same CRL uploaded again: the blob would be byte-identical, and rewriting it would only
    // change its ETag and make every authorizer reload it.
    if (previous && previous.crlSha256 === meta.crlSha256 && previous.deltaCrlSha256 === meta.deltaCrlSha256) {
      return { outcome: { key, action: 'unchanged', blobKey, crlNumber: meta.crlNumber }, blobEtag: previous.etag };
    }
    const metadata: Record<string, string> = {
      'this-update': meta.thisUpdate,
      'source-etag': sourceEtag,
      'crl-sha256': meta.crlSha256,
      'crl-group': groupIdOf(indexInfo(meta)),
    };
    if (meta.crlNumber !== null) metadata['crl-number'] = meta.crlNumber;
    if (meta.nextUpdate !== null) metadata['next-update'] = meta.nextUpdate;
    if (meta.baseCrlNumber !== undefined) metadata['base-crl-number'] = meta.baseCrlNumber;
    if (meta.deltaCrlSha256 !== undefined) metadata['delta-crl-sha256'] = meta.deltaCrlSha256;
    const { etag } = await store.put(blobKey, blob, { metadata });
    const outcome: RecordOutcome = {
      key,
      action: 'written',
      blobKey,
      crlNumber: meta.crlNumber,
      revoked: facts.keys.count,
      ...(replaces && { note: replaces }),
    };
    return { outcome, blobEtag: etag };
  }

  async function removed(key: string, name: string): Promise<RecordOutcome> {
    // The pair's blob stays: the base alone would be older than it (a rollback), and the next delta replaces it.
    if (slotOf(name).isDelta) return { key, action: 'skipped', reason: 'a removed delta CRL leaves the blob in use' };
    const blobKey = name + BLOB_SUFFIX;
    // In a versioned bucket deleting an old version leaves the CRL in place; only a CRL that is gone loses its blob.
    if (await store.head(key)) return { key, action: 'skipped', reason: 'the CRL still exists' };
    await store.delete(blobKey);
    await store.delete(name + OUTCOME_SUFFIX);
    return { key, action: 'deleted', blobKey };
  }

  /**
   * What the blob about to be replaced says: from the object metadata written with every blob (one HEAD), or, for
   * a blob put there some other way (or before `crl-group` was written), from its header. A blob we cannot read
   * cannot vouch for anything, so it is skipped.
   */
  async function currentBlob(blobKey: string): Promise<Current | undefined> {
    const head = await store.head(blobKey);
    if (!head) return undefined;
    const md = head.metadata;
    if (md['crl-sha256'] && md['this-update'] && md['crl-group']) {
      const crlNumber = md['crl-number'] ?? null;
      return {
        crlNumber,
        thisUpdate: md['this-update'],
        groupId: md['crl-group'],
        crlSha256: md['crl-sha256'],
        etag: head.etag,
        ...(md['base-crl-number'] !== undefined && { baseCrlNumber: md['base-crl-number'] }),
        ...(md['delta-crl-sha256'] !== undefined && { deltaCrlSha256: md['delta-crl-sha256'] }),
      };
    }
    const got = await getOrUndefined(store, blobKey);
    if (!got) return undefined;
    try {
      return { ...readBlobHeader(got.body).meta, etag: got.etag };
    } catch (e) {
      warn({ level: 'warn', event: 'blob.unreadable', key: blobKey, code: codeOf(e), message: messageOf(e) });
      return undefined;
    }
  }

  /** Writes `<name>.outcome.json`; failing to is logged, never turned into a failed record. */
  async function record(name: string, outcome: RecordOutcome, blobEtag: string | undefined): Promise<void> {
    const rec = outcomeRecord(outcome, now(), blobEtag);
    if (!rec) return;
    try {
      await store.put(name + OUTCOME_SUFFIX, new TextEncoder().encode(JSON.stringify(rec) + '\n'));
    } catch (e) {
      warn({ level: 'warn', event: 'outcome.unwritten', key: name + OUTCOME_SUFFIX, code: codeOf(e), message: messageOf(e) });
    }
  }

  async function one(r: S3EventRecord): Promise<RecordOutcome> {
    const target = targetOf(r, where);
    if (target.kind === 'skipped') return { key: target.key, action: 'skipped', reason: target.reason };
    const { key, name } = target;
    let result: { outcome: RecordOutcome; blobEtag?: string };
    try {
      result = target.kind === 'created' ? await created(key, name) : { outcome: await removed(key, name) };
    } catch (e) {
      result = { outcome: { key, action: 'rejected', code: codeOf(e), message: messageOf(e) } };
    }
    await record(name, result.outcome, result.blobEtag);
    return result.outcome;
  }

  return async (event) => {
    const outcomes: RecordOutcome[] = [];
    for (const r of event?.Records ?? []) outcomes.push(await one(r));
    return outcomes;
  };
}

async function getOrUndefined(store: ObjectStore, key: string): Promise<{ body: Uint8Array; etag: string } | undefined> {
  try {
    const res = await store.get(key);
    return res.status === 'ok' ? { body: res.body, etag: res.etag } : undefined;
  } catch (e) {
    if (codeOf(e) === 'store.not-found') return undefined;
    throw e;
  }
}
