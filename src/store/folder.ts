import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CrlAuthorizerError } from '../errors.js';
import { checkKey } from './keys.js';
import { storeCall, timeoutOf, type StoreWork } from './timeout.js';
import {
  DEFAULT_STORE_TIMEOUT_MS,
  type GetOptions,
  type GetResult,
  type HeadResult,
  type ObjectStore,
  type PutOptions,
  type StoreOptions,
} from './types.js';

/** Our own bookkeeping lives in dot-directories at the root, which `list` never shows. */
const META_DIR = '.crl-authorizer-meta';
const TMP_DIR = '.crl-authorizer-tmp';
/** A conditional put's lock file older than this belongs to a writer that died; it is broken. */
const LOCK_STALE_MS = 10_000;

interface Seen {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  etag: string;
}

/**
 * An object store over a local directory (the embedded default, and the CLI's). The ETag is a hash of the
 * content, so two folders holding the same bytes agree. The hash is computed once, by `put`, and recorded in a
 * sidecar together with the file's identity (device, inode, size, mtime in ns); a get of a file with that
 * identity takes the ETag from there, and a conditional get of an unchanged file costs one fstat and reads no
 * content. A file replaced by other means has another identity and is hashed when read. A put writes a
 * temporary file and renames it into place (a rename keeps the identity, and the sidecar is in place first), so
 * a failed write never leaves a half-written object.
 */
export class FolderStore implements ObjectStore {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly seen = new Map<string, Seen>();

  constructor(
    readonly root: string,
    opts?: StoreOptions,
  ) {
    this.url = pathToFileURL(root).href;
    this.timeoutMs = timeoutOf(opts, DEFAULT_STORE_TIMEOUT_MS);
  }

  get(key: string, opts?: GetOptions): Promise<GetResult> {
    const path = this.pathOf(key);
    const range = opts?.range;
    return this.call(
      `get ${key}`,
      async (signal, alive) => {
        const fh = await open(path, 'r');
        try {
          const st = await fh.stat({ bigint: true });
          if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOENT' });
          const size = Number(st.size);
          let known = await this.knownEtag(path, key, st);
          if (known !== undefined && known === opts?.ifNoneMatch) return { status: 'not-modified' };
          if (range || opts?.ifMatch !== undefined) {
            // A part is worth something only with the ETag of the whole: hash it once when no sidecar names it.
            known ??= await this.hashed(path, fh, st, signal);
            if (opts?.ifNoneMatch === known) return { status: 'not-modified' };
            if (opts?.ifMatch !== undefined && opts.ifMatch !== known) {
              throw new CrlAuthorizerError(
                'store.precondition-failed',
                `${this.url} get ${key}: the object changed (ETag ${known}, expected ${opts.ifMatch})`,
              );
            }
          }
          const start = Math.min(range?.start ?? 0, size);
          const end = Math.min(range?.end ?? size, size);
          const body = await readRange(fh, start, end, opts?.into, signal, alive);
          const etag = known ?? etagOf(body);
          this.seen.set(path, { ...identity(st), etag });
          if (opts?.ifNoneMatch === etag) return { status: 'not-modified' };
          return { status: 'ok', body, etag, size };
        } finally {
          await fh.close();
        }
      },
      opts?.signal,
    );
  }

  put(key: string, body: Uint8Array, opts?: PutOptions): Promise<{ etag: string }> {
    const path = this.pathOf(key);
    const etag = etagOf(body);
    return this.call(`put ${key}`, async (signal) => {
      if (opts?.ifMatch === undefined && opts?.ifNoneMatch === undefined) return this.write(key, path, body, etag, opts, signal);
      // A conditional write compares and replaces under a lock file made with O_EXCL, so of two writers holding
      // the same ETag exactly one wins and the other sees the new ETag and fails its condition.
      const release = await this.lock(key, signal);
      try {
        const current = (await this.headOf(path, key))?.etag;
        const holds = opts.ifNoneMatch === '*' ? current === undefined : current === opts.ifMatch;
        if (!holds) {
          throw new CrlAuthorizerError(
            'store.precondition-failed',
            `${this.url} put ${key}: ${opts.ifNoneMatch === '*' ? 'an object exists' : `the object's ETag is ${current ?? 'absent'}, not ${opts.ifMatch}`}`,
          );
        }
        return await this.write(key, path, body, etag, opts, signal);
      } finally {
        await release();
      }
    });
  }

  /** Writes the object and its sidecar through temporary files and renames (see the class comment). */
  private async write(
    key: string,
    path: string,
    body: Uint8Array,
    etag: string,
    opts: PutOptions | undefined,
    signal: AbortSignal,
  ): Promise<{ etag: string }> {
    const tmp = await this.tempFile(body, signal);
    try {
      // The sidecar names the file by identity (a rename keeps it), so a reader trusts the recorded ETag only
      // for exactly these bytes, and it is in place before the object becomes visible.
      const file = identity(await stat(tmp, { bigint: true }));
      const record: Sidecar = { etag, metadata: opts?.metadata ?? {}, file: fileText(file) };
      const sideTmp = await this.tempFile(JSON.stringify(record), signal);
      await mkdir(dirname(this.sidecarOf(key)), { recursive: true });
      await rename(sideTmp, this.sidecarOf(key));
      await mkdir(dirname(path), { recursive: true });
      await rename(tmp, path);
      this.seen.set(path, { ...file, etag });
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    return { etag };
  }

  /**
   * Takes `<key>.lock` beside the sidecars with O_EXCL, waiting while another writer holds it. A lock older than
   * LOCK_STALE_MS is a writer that died between open and unlink, and is broken.
   */
  private async lock(key: string, signal: AbortSignal): Promise<() => Promise<void>> {
    const lockPath = join(this.root, META_DIR, `${key}.lock`);
    await mkdir(dirname(lockPath), { recursive: true });
    for (;;) {
      try {
        const fh = await open(lockPath, 'wx');
        await fh.close();
        return () => unlink(lockPath).catch(() => undefined);
      } catch (e) {
        if ((e as { code?: unknown }).code !== 'EEXIST') throw e;
      }
      const age = await stat(lockPath).then((st) => Date.now() - st.mtimeMs, () => 0);
      if (age > LOCK_STALE_MS) await unlink(lockPath).catch(() => undefined);
      signal.throwIfAborted();
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
    }
  }

  head(key: string): Promise<HeadResult | undefined> {
    const path = this.pathOf(key);
    return this.call(`head ${key}`, () => this.headOf(path, key));
  }

  private async headOf(path: string, key: string): Promise<HeadResult | undefined> {
    let st: BigIntStats;
    try {
      st = await stat(path, { bigint: true });
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    const etag = (await this.knownEtag(path, key, st)) ?? etagOf(await readFile(path));
    const side = await this.sidecar(key);
    return { etag, size: Number(st.size), metadata: side?.etag === etag ? side.metadata : {} };
  }

  list(prefix = ''): Promise<string[]> {
    const want = prefix === '' ? '' : prefix.replace(/^\/+/, '');
    return this.call(`list ${want || '/'}`, async () => {
      let entries;
      try {
        entries = await readdir(this.root, { recursive: true, withFileTypes: true });
      } catch (e) {
        if (isMissing(e)) return [];
        throw e;
      }
      const keys: string[] = [];
      for (const d of entries) {
        if (!d.isFile()) continue;
        // `parentPath` is the Node 20.12+ name of `path`.
        const parent = (d as { parentPath?: string }).parentPath ?? d.path;
        const key = relative(this.root, join(parent, d.name)).split(sep).join('/');
        if (key.startsWith(`${META_DIR}/`) || key.startsWith(`${TMP_DIR}/`)) continue;
        if (key.startsWith(want)) keys.push(key);
      }
      return keys.sort();
    });
  }

  delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    return this.call(`delete ${key}`, async () => {
      await rm(path, { force: true });
      await rm(this.sidecarOf(key), { force: true });
      this.seen.delete(path);
    });
  }

  private pathOf(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  private call<T>(what: string, work: StoreWork<T>, outer?: AbortSignal): Promise<T> {
    return storeCall(`${this.url} ${what}`, this.timeoutMs, work, (e) => (isMissing(e) ? 'store.not-found' : undefined), outer);
  }

  /** The content hash of an open file read whole, remembered for this file's identity. */
  private async hashed(path: string, fh: FileHandle, st: BigIntStats, signal: AbortSignal): Promise<string> {
    const etag = etagOf(await readRange(fh, 0, Number(st.size), undefined, signal, () => undefined));
    this.seen.set(path, { ...identity(st), etag });
    return etag;
  }

  /** The content hash of this exact file, when known without reading it: from memory, or from its sidecar. */
  private async knownEtag(path: string, key: string, st: BigIntStats): Promise<string | undefined> {
    const seen = this.seen.get(path);
    if (seen && sameFile(seen, st)) return seen.etag;
    const side = await this.sidecar(key);
    if (side && side.file && fileText(identity(st)) === side.file) {
      this.seen.set(path, { ...identity(st), etag: side.etag });
      return side.etag;
    }
    return undefined;
  }

  private sidecarOf(key: string): string {
    return join(this.root, META_DIR, `${key}.json`);
  }

  private async sidecar(key: string): Promise<Sidecar | undefined> {
    try {
      const side = JSON.parse(await readFile(this.sidecarOf(key), 'utf8')) as Partial<Sidecar>;
      if (typeof side.etag !== 'string') return undefined;
      return { etag: side.etag, metadata: side.metadata ?? {}, file: typeof side.file === 'string' ? side.file : '' };
    } catch {
      return undefined;
    }
  }

  /** A new file in our temporary directory, fully written and flushed. */
  private async tempFile(data: Uint8Array | string, signal: AbortSignal): Promise<string> {
    const tmpDir = join(this.root, TMP_DIR);
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}`);
    try {
      await writeFile(tmp, data, { signal, flush: true });
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    return tmp;
  }
}

/** What `put` records beside an object: its ETag, its metadata, and which file (by identity) they describe. */
interface Sidecar {
  etag: string;
  metadata: Record<string, string>;
  file: string;
}

function fileText(f: Omit<Seen, 'etag'>): string {
  return `${f.dev}:${f.ino}:${f.size}:${f.mtimeNs}`;
}

/** A quoted strong ETag, as S3 writes them: the first 128 bits of the SHA-256 of the content. */
export function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

function identity(st: BigIntStats): Omit<Seen, 'etag'> {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeNs: st.mtimeNs };
}

function sameFile(a: Omit<Seen, 'etag'>, st: BigIntStats): boolean {
  return a.dev === st.dev && a.ino === st.ino && a.size === st.size && a.mtimeNs === st.mtimeNs;
}

/**
 * Bytes [start, end) of the file in one buffer (`into` when given), read with as few calls as the kernel allows
 * (FileHandle.readFile reads in 512 KiB chunks, one thread-pool round trip each: 50 for a 1M-entry blob).
 */
async function readRange(
  fh: FileHandle,
  start: number,
  end: number,
  into: Uint8Array | undefined,
  signal: AbortSignal,
  alive: () => void,
): Promise<Uint8Array> {
  const size = end - start;
  if (into && into.length !== size) throw new Error(`the body is ${size} bytes but ${into.length} were expected`);
  const body = into ?? Buffer.allocUnsafe(size);
  let done = 0;
  while (done < size) {
    signal.throwIfAborted();
    const { bytesRead } = await fh.read(body, done, size - done, start + done);
    if (bytesRead === 0) break;
    alive();
    done += bytesRead;
  }
  if (done !== size) throw new Error(`file changed size while being read (${done} of ${size} bytes)`);
  // A file that grew after fstat is caught by its identity on the next conditional get.
  return body;
}

function isMissing(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'ENOENT';
}
