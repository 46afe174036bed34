import { createHash } from 'node:crypto';
import { verifyBlob, type BlobMeta } from '../blob/header.js';
import { toDer } from '../der/input.js';
import { DEFAULT_DENYLIST_KEY, readDenylist } from '../denylist/index.js';
import { CrlAuthorizerError, codeOf, messageOf } from '../errors.js';
import type { ObjectStore } from '../store/types.js';
import { EXIT, UsageError, storeFlag, nonNegativeInt, parse, parseTime, requireOne } from './args.js';
import { scopeText } from './inspect.js';
import type { Io } from './io.js';

const BLOB_SUFFIX = '.cache.bin';
const CRL_SUFFIXES = ['.crl', '.crl.pem'];

/** The preprocessor's record of its last outcome for one CRL (`<name>.outcome.json`), read tolerantly. */
interface Outcome {
  outcome: 'accepted' | 'rejected' | string;
  code?: string;
  reason?: string;
  at?: string;
  blobEtag?: string;
}

interface BlobStatus {
  name: string;
  blob: string;
  issuer?: string;
  scope?: string;
  crlNumber?: string | null;
  thisUpdate?: string;
  nextUpdate?: string | null;
  secondsLeft?: number;
  state: 'ok' | 'expiring' | 'EXPIRED' | 'unreadable' | 'no blob';
  entries?: number;
  revoked?: number;
  bytes?: number;
  error?: string;
  crl?: { key: string; matchesBlob: boolean } | { key: string; error: string };
  lastOutcome?: Outcome;
  attention: string[];
}

export async function statusCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    store: { type: 'string' },
    at: { type: 'string' },
    'expiring-hours': { type: 'string' },
    json: { type: 'boolean' },
  });
  const store = storeFlag(values.store);
  const at = parseTime(values.at);
  const expiringSeconds = nonNegativeInt(values['expiring-hours'], '--expiring-hours', 24) * 3600;
  const keys = await store.list();
  const names = new Set<string>();
  for (const k of keys) {
    if (k.endsWith(BLOB_SUFFIX)) names.add(k.slice(0, -BLOB_SUFFIX.length));
    for (const s of CRL_SUFFIXES) if (k.endsWith(s) && !k.endsWith('.delta' + s) && !k.endsWith('+' + s)) names.add(k.slice(0, -s.length));
  }
  const keySet = new Set(keys);
  const blobs: BlobStatus[] = [];
  for (const name of [...names].sort()) blobs.push(await blobStatus(store, keySet, name, at, expiringSeconds));
  const denylistKey = process.env.CRL_DENYLIST_KEY ?? DEFAULT_DENYLIST_KEY;
  const denylist = await readDenylist(store, denylistKey).then(
    ({ list, etag }) => ({ key: denylistKey, entries: list.entries.length, present: etag !== undefined }),
    (e: unknown) => ({ key: denylistKey, error: `${codeOf(e)}: ${messageOf(e)}` }),
  );
  const attention = [
    ...(blobs.length === 0 ? [`no blobs or CRLs in ${store.url}`] : []),
    ...blobs.flatMap((b) => b.attention.map((a) => `${b.name}: ${a}`)),
    ...('error' in denylist ? [`denylist ${denylistKey}: ${denylist.error} (the authorizer keeps its last good copy)`] : []),
  ];
  if (values.json) io.out(JSON.stringify({ store: store.url, at: at.toISOString(), blobs, denylist, attention }));
  else io.out(describe(store.url, at, blobs, denylist, attention));
  return attention.length > 0 ? EXIT.unknown : EXIT.good;
}

async function blobStatus(store: ObjectStore, keys: Set<string>, name: string, at: Date, expiringSeconds: number): Promise<BlobStatus> {
  const blob = name + BLOB_SUFFIX;
  const s: BlobStatus = { name, blob, state: 'no blob', attention: [] };
  let meta: BlobMeta | undefined;
  if (keys.has(blob)) {
    try {
      const bytes = await body(store, blob);
      meta = verifyBlob(bytes).meta;
      Object.assign(s, {
        issuer: meta.issuerText,
        scope: scopeText(meta.scope),
        crlNumber: meta.crlNumber,
        thisUpdate: meta.thisUpdate,
        nextUpdate: meta.nextUpdate,
        entries: meta.entries,
        revoked: meta.revoked,
        bytes: bytes.length,
        state: 'ok',
      });
      if (meta.nextUpdate !== null) {
        s.secondsLeft = Math.round((Date.parse(meta.nextUpdate) - at.getTime()) / 1000);
        if (s.secondsLeft <= 0) {
          s.state = 'EXPIRED';
          s.attention.push(`EXPIRED at ${meta.nextUpdate}: certificates it covers are denied crl.expired`);
        } else if (s.secondsLeft <= expiringSeconds) {
          s.state = 'expiring';
          s.attention.push(`expiring: nextUpdate ${meta.nextUpdate} is ${timeLeft(s.secondsLeft)} away`);
        }
      }
    } catch (e) {
      s.state = 'unreadable';
      s.error = `${codeOf(e)}: ${messageOf(e)}`;
      s.attention.push(`blob unreadable (${s.error})`);
    }
  }
  const crlKey = CRL_SUFFIXES.map((x) => name + x).find((k) => keys.has(k));
  if (crlKey) {
    try {
      const sha = createHash('sha256').update(toDer(await body(store, crlKey), 'crl.malformed', crlKey)).digest('hex');
      s.crl = { key: crlKey, matchesBlob: meta?.crlSha256 === sha };
    } catch (e) {
      s.crl = { key: crlKey, error: `${codeOf(e)}: ${messageOf(e)}` };
    }
  }
  s.lastOutcome = await outcomeOf(store, keys, name);
  const rejected = s.lastOutcome?.outcome === 'rejected' ? `${s.lastOutcome.code ?? 'rejected'}: ${s.lastOutcome.reason ?? ''}`.trim() : undefined;
  if (crlKey && !(s.crl && 'matchesBlob' in s.crl && s.crl.matchesBlob)) {
    s.attention.push(
      `${crlKey} is not the CRL the ${meta ? 'blob' : 'store'} holds` +
        (rejected ? ` (the preprocessor rejected it: ${rejected})` : meta ? ' (newer than its blob, not processed yet?)' : ' (no blob made from it)'),
    );
  } else if (rejected && s.lastOutcome?.at && meta) {
    s.attention.push(`last upload rejected at ${s.lastOutcome.at}: ${rejected}`);
  }
  return s;
}

async function outcomeOf(store: ObjectStore, keys: Set<string>, name: string): Promise<Outcome | undefined> {
  const key = `${name}.outcome.json`;
  if (!keys.has(key)) return undefined;
  try {
    const doc = JSON.parse(new TextDecoder().decode(await body(store, key))) as Record<string, unknown>;
    const text = (k: string) => (typeof doc[k] === 'string' ? (doc[k] as string) : undefined);
    const outcome = text('outcome') ?? 'unknown';
    return {
      outcome,
      ...(text('code') && { code: text('code') }),
      ...(text('reason') && { reason: text('reason') }),
      ...(text('at') && { at: text('at') }),
      ...(text('blobEtag') && { blobEtag: text('blobEtag') }),
    };
  } catch (e) {
    return { outcome: 'unreadable', reason: messageOf(e) };
  }
}

async function body(store: ObjectStore, key: string): Promise<Uint8Array> {
  const res = await store.get(key);
  if (res.status !== 'ok') throw new CrlAuthorizerError('store.unavailable', `${key}: unexpected not-modified`);
  return res.body;
}

function timeLeft(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs >= 86400) return `${(abs / 86400).toFixed(1)} days`;
  if (abs >= 3600) return `${(abs / 3600).toFixed(1)} hours`;
  return `${Math.round(abs / 60)} minutes`;
}

function describe(url: string, at: Date, blobs: BlobStatus[], denylist: Record<string, unknown>, attention: string[]): string {
  const lines = [`${url} at ${at.toISOString()}`];
  for (const b of blobs) {
    lines.push('', `${b.blob}  [${b.state}]`);
    if (b.issuer !== undefined) {
      const left = b.secondsLeft === undefined ? '' : b.secondsLeft > 0 ? ` (${timeLeft(b.secondsLeft)} left)` : ` (EXPIRED ${timeLeft(b.secondsLeft)} ago)`;
      lines.push(
        `  issuer:      ${b.issuer}`,
        `  scope:       ${b.scope}`,
        `  CRL number:  ${b.crlNumber ?? '(none)'}`,
        `  this update: ${b.thisUpdate}`,
        `  next update: ${b.nextUpdate ?? '(none)'}${left}`,
        `  entries:     ${b.revoked} revoked serials (${b.entries} entries), ${b.bytes} bytes`,
      );
    }
    if (b.error) lines.push(`  error:       ${b.error}`);
    if (b.crl) {
      lines.push(`  source CRL:  ${b.crl.key} ${'error' in b.crl ? `unreadable (${b.crl.error})` : b.crl.matchesBlob ? '(the one in the blob)' : '(NEWER than the blob)'}`);
    }
    if (b.lastOutcome) {
      const o = b.lastOutcome;
      lines.push(`  last outcome: ${o.outcome}${o.code ? ` ${o.code}` : ''}${o.at ? ` at ${o.at}` : ''}${o.reason && o.outcome !== 'accepted' ? `: ${o.reason}` : ''}`);
    }
  }
  lines.push(
    '',
    'error' in denylist
      ? `denylist ${denylist.key}: BROKEN (${denylist.error})`
      : `denylist ${denylist.key}: ${denylist.entries} entries${denylist.present ? '' : ' (none in the store)'}`,
  );
  lines.push('', attention.length === 0 ? 'nothing needs attention' : `needs attention:\n${attention.map((a) => `  - ${a}`).join('\n')}`);
  return lines.join('\n');
}
