import { checkCrlSize } from '../limits.js';
import { codeOf, CrlAuthorizerError, messageOf, type Code } from '../errors.js';
import { readBlobHeader } from '../blob/header.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';
import { preprocessPair } from './delta.js';
import { counterpart, slotOf } from './pairing.js';
import type { PreviousBlob } from './preprocess.js';

/** DESIGN.md "Environment": the preprocessor's defaults. */
export const DEFAULT_CRL_SUFFIXES = ['.crl', '.crl.pem'] as const;
export const CA_CERT_SUFFIX = '.ca.pem';
export const BLOB_SUFFIX = '.cache.bin';
/** The EMF namespace and the metric a refused CRL counts in (the construct's alarms read the same names). */
export const METRIC_NAMESPACE = 'CrlAuthorizer';
export const CRL_REJECTED_METRIC = 'CrlRejected';
/**
 * Store calls here move whole CRLs and blobs (tens of MB for a million entries), not the authorizer's small
 * conditional GETs, so the preprocessor's per-call budget is longer unless CRL_STORE_TIMEOUT_MS sets one.
 */
export const PREPROCESSOR_STORE_TIMEOUT_MS = 120_000;

/** The parts of an S3 event notification record this handler reads (AWS's documented shape). */
export interface S3EventRecord {
  eventVersion?: string;
  eventSource?: string;
  eventName: string;
  s3: {
    bucket: { name: string };
    object: { key: string; eTag?: string; versionId?: string; sequencer?: string };
  };
}

export interface S3Event {
  Records?: S3EventRecord[];
}

export interface PreprocessorOptions {
  /** CRL_STORE_URL: `s3://bucket/prefix` or `file:///path`. Required unless `store` is given. */
  storeUrl?: string;
  /** A ready store (tests, custom clients). Its `url` says which bucket and prefix events must name. */
  store?: ObjectStore;
  /** CRL_SUFFIXES. @default ['.crl', '.crl.pem'] */
  suffixes?: readonly string[];
  /** CA_CERT_KEY: one CA certificate file for every CRL, relative to the prefix. @default `<name>.ca.pem` */
  caCertKey?: string;
  /** CRL_ALLOW_NO_NEXT_UPDATE. @default false */
  allowNoNextUpdate?: boolean;
  /** The one clock: the time every check is made at. @default () => new Date() */
  now?: () => Date;
  /** Where JSON log lines go. @default one line on stdout each (CloudWatch reads the EMF ones as metrics) */
  log?: (entry: Record<string, unknown>) => void;
}

/** What happened to one record; the handler returns them all, and throws if any failed. */
export type RecordOutcome =
  | { key: string; action: 'written'; blobKey: string; crlNumber: string | null; revoked: number }
  | { key: string; action: 'unchanged'; blobKey: string; crlNumber: string | null }
  | { key: string; action: 'deleted'; blobKey: string }
  | { key: string; action: 'skipped'; reason: string }
  | { key: string; action: 'rejected'; code: Code; message: string };

export interface PreprocessorResult {
  outcomes: RecordOutcome[];
}

/** Reads the preprocessor's configuration from the environment, once (DESIGN.md "Environment"). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): PreprocessorOptions {
  const storeUrl = env.CRL_STORE_URL;
  if (!storeUrl) throw new CrlAuthorizerError('usage', 'CRL_STORE_URL is not set (s3://bucket/prefix or file:///path)');
  const suffixes = (env.CRL_SUFFIXES ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const timeoutMs = env.CRL_STORE_TIMEOUT_MS ? Number(env.CRL_STORE_TIMEOUT_MS) : PREPROCESSOR_STORE_TIMEOUT_MS;
  return {
    storeUrl,
    store: openStore(storeUrl, { timeoutMs }),
    ...(suffixes.length > 0 && { suffixes }),
    ...(env.CA_CERT_KEY && { caCertKey: env.CA_CERT_KEY }),
    allowNoNextUpdate: parseBool('CRL_ALLOW_NO_NEXT_UPDATE', env.CRL_ALLOW_NO_NEXT_UPDATE),
  };
}

function parseBool(name: string, v: string | undefined): boolean {
  if (v === undefined || v === '') return false;
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new CrlAuthorizerError('usage', `${name} must be true or false, got ${JSON.stringify(v)}`);
}

/**
 * The S3-event Lambda handler: ObjectCreated on a CRL key verifies the CRL against its CA certificate(s) and
 * writes `<name>.cache.bin`; ObjectRemoved of a CRL deletes its blob. A refused CRL leaves the current blob as
 * it is, is logged with its code and counted, and fails the invocation so the failure is visible.
 */
export type PreprocessorHandler = (event: S3Event) => Promise<PreprocessorResult>;

export function createPreprocessorHandler(options: PreprocessorOptions): PreprocessorHandler {
  const store = options.store ?? openStore(requireUrl(options), { timeoutMs: PREPROCESSOR_STORE_TIMEOUT_MS });
  const { bucket, prefix } = locationOf(options.storeUrl ?? store.url);
  const suffixes = [...(options.suffixes ?? DEFAULT_CRL_SUFFIXES)].sort((a, b) => b.length - a.length);
  const now = options.now ?? (() => new Date());
  const log = options.log ?? writeLine;

  async function created(key: string, name: string): Promise<RecordOutcome> {
    // A delta (`<name>+.crl`, `<name>.delta.crl`) and its base write one blob, whichever of them landed.
    const slot = slotOf(name);
    name = slot.baseName;
    const blobKey = name + BLOB_SUFFIX;
    // The size first, so a CRL over the limit is refused before a byte of it is downloaded.
    const head = await store.head(key);
    if (head) checkCrlSize(head.size, `CRL ${key}`);
    const crl = head && (await getOrUndefined(store, key));
    // A late or repeated event for a CRL that is gone since: nothing to do, and no failure to report.
    if (!crl) return { key, action: 'skipped', reason: 'the CRL no longer exists' };
    const caKey = options.caCertKey ?? name + CA_CERT_SUFFIX;
    const ca = await getOrUndefined(store, caKey);
    if (!ca) throw new CrlAuthorizerError('crl.ca-missing', `CA certificate ${caKey} for CRL ${key} was not found`);
    const other = await counterpart(store, slot, suffixes);
    if (slot.isDelta && !other) {
      throw new CrlAuthorizerError('crl.delta-no-base', `delta CRL ${key} has no complete CRL ${name}.crl beside it yet`);
    }
    const previous = await currentBlob(store, blobKey, log);

    const [base, delta] = slot.isDelta ? [other!.body, crl.body] : [crl.body, other?.body];
    const { blob, facts, meta, deltaProblem } = preprocessPair(base, delta, [ca.body], {
      at: now(),
      allowNoNextUpdate: options.allowNoNextUpdate ?? false,
      ...(previous && { previous }),
    });
    if (deltaProblem && slot.isDelta) throw deltaProblem;
    if (deltaProblem) {
      log({ level: 'warn', event: 'crl.delta-ignored', key: other!.key, code: deltaProblem.code, message: deltaProblem.message });
    }
    // Re-delivery, or the same CRL uploaded again: the blob would be byte-identical, and rewriting it would only
    // change its ETag and make every authorizer reload it.
    if (previous && previous.crlSha256 === meta.crlSha256 && previous.deltaCrlSha256 === meta.deltaCrlSha256) {
      return { key, action: 'unchanged', blobKey, crlNumber: meta.crlNumber };
    }
    const metadata: Record<string, string> = {
      'this-update': meta.thisUpdate,
      'source-etag': crl.etag,
      'crl-sha256': meta.crlSha256,
    };
    if (meta.crlNumber !== null) metadata['crl-number'] = meta.crlNumber;
    if (meta.nextUpdate !== null) metadata['next-update'] = meta.nextUpdate;
    if (meta.baseCrlNumber !== undefined) metadata['base-crl-number'] = meta.baseCrlNumber;
    if (meta.deltaCrlSha256 !== undefined) metadata['delta-crl-sha256'] = meta.deltaCrlSha256;
    await store.put(blobKey, blob, { metadata });
    return { key, action: 'written', blobKey, crlNumber: meta.crlNumber, revoked: facts.keys.count };
  }

  async function removed(key: string, name: string): Promise<RecordOutcome> {
    // The pair's blob stays: the base alone would be older than it (a rollback), and the next delta replaces it.
    if (slotOf(name).isDelta) return { key, action: 'skipped', reason: 'a removed delta CRL leaves the blob in use' };
    const blobKey = name + BLOB_SUFFIX;
    // In a versioned bucket deleting an old version leaves the CRL in place; only a CRL that is gone loses its blob.
    if (await store.head(key)) return { key, action: 'skipped', reason: 'the CRL still exists' };
    await store.delete(blobKey);
    return { key, action: 'deleted', blobKey };
  }

  async function one(record: S3EventRecord): Promise<RecordOutcome> {
    const fullKey = decodeKey(record.s3?.object?.key ?? '');
    if (bucket !== undefined && record.s3?.bucket?.name !== bucket) {
      return { key: fullKey, action: 'skipped', reason: `bucket ${record.s3?.bucket?.name} is not ${bucket}` };
    }
    if (!fullKey.startsWith(prefix)) return { key: fullKey, action: 'skipped', reason: `not under ${prefix}` };
    const key = fullKey.slice(prefix.length);
    const suffix = suffixes.find((s) => key.endsWith(s) && key.length > s.length);
    if (!suffix) return { key, action: 'skipped', reason: 'not a CRL key' };
    const name = key.slice(0, -suffix.length);
    const kind = String(record.eventName ?? '');
    if (kind.startsWith('ObjectCreated:')) return created(key, name);
    if (kind.startsWith('ObjectRemoved:')) return removed(key, name);
    return { key, action: 'skipped', reason: `event ${kind} is not handled` };
  }

  return async (event: S3Event) => {
    const outcomes: RecordOutcome[] = [];
    for (const record of event?.Records ?? []) {
      let outcome: RecordOutcome;
      try {
        outcome = await one(record);
      } catch (e) {
        const full = decodeKey(record.s3?.object?.key ?? '');
        const key = full.startsWith(prefix) ? full.slice(prefix.length) : full;
        outcome = { key, action: 'rejected', code: codeOf(e), message: messageOf(e) };
      }
      outcomes.push(outcome);
      log(logEntry(outcome, now()));
    }
    const failed = outcomes.filter((o) => o.action === 'rejected');
    if (failed.length > 0) {
      const first = failed[0] as Extract<RecordOutcome, { action: 'rejected' }>;
      throw new CrlAuthorizerError(first.code, failed.map((f) => `${f.key}: ${describeFailure(f)}`).join('; '));
    }
    return { outcomes };
  };
}

function describeFailure(o: RecordOutcome): string {
  return o.action === 'rejected' ? `${o.code} ${o.message}` : o.action;
}

/** A rejected record's line is also an EMF document, so the log line and the metric are one write. */
function logEntry(o: RecordOutcome, at: Date): Record<string, unknown> {
  if (o.action !== 'rejected') return { level: 'info', event: `crl.${o.action}`, ...o };
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        { Namespace: METRIC_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: CRL_REJECTED_METRIC, Unit: 'Count' }] },
      ],
    },
    level: 'error',
    event: 'crl.rejected',
    key: o.key,
    code: o.code,
    message: o.message,
    [CRL_REJECTED_METRIC]: 1,
  };
}

/** Bypasses the Lambda runtime's console prefix, so each line is a bare JSON document (required for EMF). */
function writeLine(entry: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(entry) + '\n');
}

/** S3 event keys are URL-encoded with `+` for a space (AWS: "the s3 key provided in the event is URL encoded"). */
export function decodeKey(key: string): string {
  const plus = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}

/**
 * What the blob about to be replaced says, for rollback protection and re-delivery: from the object metadata this
 * handler writes with every blob (one HEAD), or, for a blob put there some other way, from its header. A blob we
 * cannot read cannot vouch for anything, so it is skipped.
 */
async function currentBlob(
  store: ObjectStore,
  blobKey: string,
  log: (entry: Record<string, unknown>) => void,
): Promise<(PreviousBlob & { crlSha256: string; deltaCrlSha256?: string }) | undefined> {
  const head = await store.head(blobKey);
  if (!head) return undefined;
  const md = head.metadata;
  if (md['crl-sha256'] && md['this-update']) {
    return {
      crlNumber: md['crl-number'] ?? null,
      thisUpdate: md['this-update'],
      crlSha256: md['crl-sha256'],
      ...(md['base-crl-number'] !== undefined && { baseCrlNumber: md['base-crl-number'] }),
      ...(md['delta-crl-sha256'] !== undefined && { deltaCrlSha256: md['delta-crl-sha256'] }),
    };
  }
  const got = await getOrUndefined(store, blobKey);
  if (!got) return undefined;
  try {
    return readBlobHeader(got.body).meta;
  } catch (e) {
    log({ level: 'warn', event: 'blob.unreadable', key: blobKey, code: codeOf(e), message: messageOf(e) });
    return undefined;
  }
}

async function getOrUndefined(
  store: ObjectStore,
  key: string,
): Promise<{ body: Uint8Array; etag: string } | undefined> {
  try {
    const res = await store.get(key);
    return res.status === 'ok' ? { body: res.body, etag: res.etag } : undefined;
  } catch (e) {
    if (codeOf(e) === 'store.not-found') return undefined;
    throw e;
  }
}

function requireUrl(options: PreprocessorOptions): string {
  if (!options.storeUrl) throw new CrlAuthorizerError('usage', 'the preprocessor needs a storeUrl or a store');
  return options.storeUrl;
}

/** Which bucket and key prefix events must name: from `s3://bucket/prefix`; a folder store takes any bucket. */
function locationOf(url: string): { bucket?: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return { prefix: '' };
  const p = decodeURIComponent(m[2]!).replace(/^\/+/, '');
  return { bucket: m[1]!, prefix: p === '' || p.endsWith('/') ? p : `${p}/` };
}

let defaultHandler: PreprocessorHandler | undefined;

/** The Lambda entry point: configuration from the environment, read on the first event. */
export async function handler(event: S3Event): Promise<PreprocessorResult> {
  defaultHandler ??= createPreprocessorHandler(optionsFromEnv());
  return defaultHandler(event);
}
