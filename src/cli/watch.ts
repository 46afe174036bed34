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
  const log = opts.log ?? (() => undefined);
  const queue = new CrlQueue(crlProcessor(store, root), opts.debounceMs ?? 150, (outcome) => {
    log(`watch: ${describe(outcome)}`);
    opts.onOutcome?.(outcome);
  });
  const dirs = new DirWatchers(root, (key) => queue.changed(key), log);
  await mkdir(root, { recursive: true });
  dirs.watch('');
  await queueUnprocessed(store, queue);
  return {
    idle: () => queue.idle(),
    outcomes: queue.outcomes,
    close: async () => {
      dirs.close();
      await queue.close();
    },
  };
}

/** Our store's own temp and metadata folders, and editors' dot-files, are not uploads; nor is a non-CRL. */
function isCrlUpload(key: string): boolean {
  return !key.split('/').some((part) => part.startsWith('.')) && DEFAULT_CRL_SUFFIXES.some((s) => key.endsWith(s));
}

/** CRLs already in the folder without a blob (dropped in while nothing watched) are processed once at start. */
async function queueUnprocessed(store: ObjectStore, queue: CrlQueue): Promise<void> {
  const keys = await store.list();
  const present = new Set(keys);
  for (const key of keys) {
    const suffix = DEFAULT_CRL_SUFFIXES.find((s) => key.endsWith(s));
    if (suffix && isCrlUpload(key) && !present.has(key.slice(0, -suffix.length) + BLOB_SUFFIX)) queue.start(key);
  }
}

/** Changed keys, debounced, each run through the preprocessor one at a time (a change during a run queues one more). */
class CrlQueue {
  readonly outcomes: WatchOutcome[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private closed = false;

  constructor(
    private readonly processCrl: (key: string) => Promise<WatchOutcome>,
    private readonly debounceMs: number,
    private readonly report: (outcome: WatchOutcome) => void,
  ) {}

  changed(key: string): void {
    if (this.closed || !isCrlUpload(key)) return;
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.start(key);
      }, this.debounceMs),
    );
  }

  start(key: string): void {
    if (this.closed) return;
    if (this.running.has(key)) {
      this.again.add(key);
      return;
    }
    const job = this.runOnce(key).finally(() => {
      this.running.delete(key);
      if (this.again.delete(key)) this.start(key);
    });
    this.running.set(key, job);
  }

  private async runOnce(key: string): Promise<void> {
    let outcome: WatchOutcome;
    try {
      outcome = await this.processCrl(key);
    } catch (e) {
      outcome = { key, action: 'rejected', code: codeOf(e), message: messageOf(e) };
    }
    this.outcomes.push(outcome);
    this.report(outcome);
  }

  async idle(): Promise<void> {
    for (;;) {
      if (this.timers.size === 0 && this.running.size === 0) return;
      await Promise.all([...this.running.values()]);
      if (this.timers.size > 0) await new Promise((r) => setTimeout(r, this.debounceMs));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.running.values()]);
  }
}

/**
 * One non-recursive watcher per directory: Node 20's recursive fs.watch on Linux reports the first rename of a
 * file and misses the next ones, which is exactly the "CRL replaced" case. Subfolders hold keys such as
 * `ca/issuing-1.crl`, so new ones are watched as they appear.
 */
class DirWatchers {
  private readonly watchers = new Map<string, FSWatcher>();
  private closed = false;

  constructor(
    private readonly root: string,
    private readonly onFile: (key: string) => void,
    private readonly log: (line: string) => void,
  ) {}

  watch(rel: string): void {
    if (this.closed || this.watchers.has(rel)) return;
    const abs = join(this.root, ...rel.split('/').filter(Boolean));
    let w: FSWatcher;
    try {
      w = watch(abs, { persistent: true }, (_event, file) => this.event(rel, abs, file?.toString() ?? null));
    } catch (e) {
      this.log(`watch: cannot watch ${abs}: ${messageOf(e)}`);
      return;
    }
    w.on('error', () => {
      // A removed directory: its watcher ends; a new one with the same name is picked up by its parent's watcher.
      w.close();
      this.watchers.delete(rel);
    });
    this.watchers.set(rel, w);
    for (const d of readdirSafe(abs)) if (d.isDirectory() && !d.name.startsWith('.')) this.watch(rel === '' ? d.name : `${rel}/${d.name}`);
  }

  private event(rel: string, abs: string, file: string | null): void {
    if (file === null || file.startsWith('.')) return;
    const key = rel === '' ? file : `${rel}/${file}`;
    if (isDirectory(join(abs, file))) {
      this.watch(key);
      this.scan(key);
    } else this.onFile(key);
  }

  /** A folder moved in whole brings its CRLs with it, without an event per file. */
  private scan(rel: string): void {
    for (const d of readdirSafe(join(this.root, ...rel.split('/')))) {
      if (d.isFile()) this.onFile(`${rel}/${d.name}`);
    }
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
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
