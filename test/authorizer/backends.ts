import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderStore, S3Store, type ObjectStore } from '../../src/store/index.js';
import { startS3 } from '../support/s3.js';

/**
 * A store under test together with what a test does to it from outside: write an object as the preprocessor
 * would, count the GETs the authorizer sent, and break the store the way an outage would.
 */
export interface Backend {
  store: ObjectStore;
  put(key: string, body: Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
  /** GETs of this key as seen at the server (S3) or at the store boundary (folder). */
  gets(key: string): number;
  /** GETs of this key that carried If-None-Match. */
  conditionalGets(key: string): number;
  /** The store stops answering: the S3 server is stopped; the folder is replaced by a file. */
  fail(): Promise<void>;
  close(): Promise<void>;
}

export interface BackendKind {
  name: string;
  open(): Promise<Backend>;
}

const PREFIX = 'crls';

export const BACKENDS: BackendKind[] = [
  {
    name: 's3rver',
    async open() {
      const s3 = await startS3();
      const store = new S3Store(s3.bucket, PREFIX, { client: s3.client, timeoutMs: 1000 });
      // The writer is a separate store object, as the preprocessor is a separate function.
      const writer = new S3Store(s3.bucket, PREFIX, { client: s3.client });
      const full = (key: string) => `${PREFIX}/${key}`;
      return {
        store,
        put: async (key, body) => void (await writer.put(key, body)),
        remove: (key) => writer.delete(key),
        gets: (key) => s3.requests.filter((r) => r.method === 'GET' && r.key === full(key)).length,
        conditionalGets: (key) =>
          s3.requests.filter((r) => r.method === 'GET' && r.key === full(key) && r.ifNoneMatch !== undefined).length,
        fail: () => s3.stop(),
        close: () => s3.stop(),
      };
    },
  },
  {
    name: 'FolderStore',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'authorizer-folder-'));
      const root = join(dir, 'store');
      const inner = new FolderStore(root);
      const seen: { key: string; conditional: boolean }[] = [];
      // Counting at the store boundary: a folder has no server to count at.
      const store: ObjectStore = {
        url: inner.url,
        get: (key, opts) => {
          seen.push({ key, conditional: opts?.ifNoneMatch !== undefined });
          return inner.get(key, opts);
        },
        put: (key, body, opts) => inner.put(key, body, opts),
        head: (key) => inner.head(key),
        list: (prefix) => inner.list(prefix),
        delete: (key) => inner.delete(key),
      };
      const writer = new FolderStore(root);
      return {
        store,
        put: async (key, body) => void (await writer.put(key, body)),
        remove: (key) => writer.delete(key),
        gets: (key) => seen.filter((s) => s.key === key).length,
        conditionalGets: (key) => seen.filter((s) => s.key === key && s.conditional).length,
        async fail() {
          await rename(root, join(dir, 'gone'));
          await writeFile(root, 'not a directory');
        },
        close: () => rm(dir, { recursive: true, force: true }),
      };
    },
  },
];
