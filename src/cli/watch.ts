import { existsSync, readdirSync, statSync, watch, type Dirent, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeOf, messageOf } from '../errors.js';
import { BLOB_SUFFIX, DEFAULT_CRL_SUFFIXES, createPreprocessorHandler, type RecordOutcome } from '../preprocessor/handler.js';
import type { ObjectStore } from '../store/types.js';

/** What happened to one CRL the watcher saw: the preprocessor Lambda's own outcome record. */
export type WatchOutcome = RecordOutcome;

export interface FolderWatch {
  /** Resolves when every change seen so far has been processed (for tests and the demo). */
  idle(): Promise<void>;
  close(): Promise<void>;
  /** Every outcome so far, oldest first. */
  readonly outcomes: readonly WatchOutcome[];
}

export interface WatchOptions {
  /** Quiet period after the last change to a file before it is processed. @default 150 */
  debounceMs?: number;
  log?: (line: string) => void;
  /** Called after each CRL is processed. */
  onOutcome?: (outcome: WatchOutcome) => void;
}

/**
 * Watches a folder store and preprocesses every CRL placed or replaced in it: the local stand-in for the S3
 * ObjectCreated trigger. Changes to one file are debounced, and one file is never processed twice at once; a
 * change arriving while it is processed queues one more run. Rejections are logged with their code.
 */
export async function watchFolder(store: ObjectStore, opts: WatchOptions = {}): Promise<FolderWatch> {
  if (!store.url.startsWith('file:')) throw new Error(`watch needs a folder store, not ${store.url}`);
  const root = fileURLToPath(store.url);
  const suffixes = DEFAULT_CRL_SUFFIXES;
  const debounceMs = opts.debounceMs ?? 150;
  const log = opts.log ?? (() => undefined);
  const processCrl = crlProcessor(store, root);
  const outcomes: WatchOutcome[] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  let closed = false;

  const runOnce = async (key: string): Promise<void> => {
    let outcome: WatchOutcome;
    try {
      outcome = await processCrl(key);
    } catch (e) {
      outcome = { key, action: 'rejected', code: codeOf(e), message: messageOf(e) };
    }
    outcomes.push(outcome);
    log(`watch: ${describe(outcome)}`);
    opts.onOutcome?.(outcome);
  };

  const start = (key: string): void => {
    if (closed) return;
    if (running.has(key)) {
      again.add(key);
      return;
    }
    const job = runOnce(key).finally(() => {
      running.delete(key);
      if (again.delete(key)) start(key);
    });
    running.set(key, job);
  };

  const changed = (key: string): void => {
    if (closed) return;
    // Our store's own temp and metadata folders, and editors' dot-files, are not uploads.
    if (key.split('/').some((part) => part.startsWith('.'))) return;
    if (!suffixes.some((s) => key.endsWith(s))) return;
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        start(key);
      }, debounceMs),
    );
  };

  // One non-recursive watcher per directory: Node 20's recursive fs.watch on Linux reports the first rename of a
  // file and misses the next ones, which is exactly the "CRL replaced" case. Subfolders hold keys such as
  // `ca/issuing-1.crl`, so new ones are watched as they appear.
  const watchers = new Map<string, FSWatcher>();
  const watchDir = (rel: string): void => {
    if (closed || watchers.has(rel)) return;
    const abs = join(root, ...rel.split('/').filter(Boolean));
    let w: FSWatcher;
    try {
      w = watch(abs, { persistent: true }, (_event, file) => {
        if (file === null) return;
        const key = rel === '' ? file.toString() : `${rel}/${file.toString()}`;
        if (file.toString().startsWith('.')) return;
        if (isDirectory(join(abs, file.toString()))) {
          watchDir(key);
          scanDir(key);
        } else changed(key);
      });
    } catch (e) {
      log(`watch: cannot watch ${abs}: ${messageOf(e)}`);
      return;
    }
    w.on('error', () => {
      // A removed directory: its watcher ends; a new one with the same name is picked up by its parent's watcher.
      w.close();
      watchers.delete(rel);
    });
    watchers.set(rel, w);
    for (const d of readdirSafe(abs)) if (d.isDirectory() && !d.name.startsWith('.')) watchDir(rel === '' ? d.name : `${rel}/${d.name}`);
  };
  // A folder moved in whole brings its CRLs with it, without an event per file.
  const scanDir = (rel: string): void => {
    for (const d of readdirSafe(join(root, ...rel.split('/')))) {
      if (d.isFile()) changed(`${rel}/${d.name}`);
    }
  };
  await mkdir(root, { recursive: true });
  watchDir('');

  // CRLs already in the folder without a blob (dropped in while nothing watched) are processed once at start.
  const keys = await store.list();
  const present = new Set(keys);
  for (const key of keys) {
    const suffix = suffixes.find((s) => key.endsWith(s));
    if (suffix && !key.split('/').some((p) => p.startsWith('.')) && !present.has(key.slice(0, -suffix.length) + BLOB_SUFFIX)) {
      start(key);
    }
  }

  const idle = async (): Promise<void> => {
    for (;;) {
      if (timers.size === 0 && running.size === 0) return;
      await Promise.all([...running.values()]);
      if (timers.size > 0) await new Promise((r) => setTimeout(r, debounceMs));
    }
  };

  return {
    idle,
    outcomes,
    close: async () => {
      closed = true;
      for (const w of watchers.values()) w.close();
      watchers.clear();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.all([...running.values()]);
    },
  };
}

/**
 * One CRL through the preprocessor Lambda's handler, fed the S3 event the bucket would send: ObjectCreated while
 * the file exists, ObjectRemoved once it is gone (which deletes its blob).
 */
export function crlProcessor(store: ObjectStore, root = fileURLToPath(store.url)): (key: string) => Promise<WatchOutcome> {
  const handler = createPreprocessorHandler({ store, log: () => undefined });
  return async (key) => {
    const exists = existsSync(join(root, ...key.split('/')));
    const event = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: exists ? 'ObjectCreated:Put' : 'ObjectRemoved:Delete',
          s3: { bucket: { name: 'local' }, object: { key: s3EventKey(key) } },
        },
      ],
    };
    try {
      const { outcomes } = await handler(event);
      return outcomes[0] ?? { key, action: 'skipped', reason: 'no outcome' };
    } catch (e) {
      // The handler throws for a refused CRL so that the Lambda invocation fails visibly; here it is an outcome.
      const code = codeOf(e);
      return { key, action: 'rejected', code, message: messageOf(e).replace(`${key}: ${code} `, '') };
    }
  };
}

/** S3 URL-encodes event keys, with `+` for a space. */
function s3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

export function describe(o: WatchOutcome): string {
  switch (o.action) {
    case 'written':
      return `${o.key} -> ${o.blobKey}: ${o.revoked} revoked, CRL number ${o.crlNumber ?? 'none'}`;
    case 'unchanged':
      return `${o.key}: unchanged (same CRL as ${o.blobKey})`;
    case 'deleted':
      return `${o.key} removed -> deleted ${o.blobKey}`;
    case 'skipped':
      return `${o.key}: skipped: ${o.reason}`;
    case 'rejected':
      return `${o.key} rejected: ${o.code}: ${o.message}`;
  }
}

export { BLOB_SUFFIX };

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readdirSafe(path: string): Dirent[] {
  try {
    return readdirSync(path, { withFileTypes: true });
  } catch {
    return [];
  }
}
