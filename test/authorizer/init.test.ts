import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAtInit } from '../../src/authorizer/init.js';
import { CrlAuthorizerError } from '../../src/errors.js';
import { FolderStore, type ObjectStore } from '../../src/store/index.js';
import { restEvent } from './events.js';
import { codeOfResponse, effect, harness } from './harness.js';
import { makePki, type Pki } from '../support/pki.js';

const KEY = 'a.cache.bin';
let pki: Pki;
let dir: string;
let folder: FolderStore;
beforeAll(async () => {
  pki = makePki();
  dir = await mkdtemp(join(tmpdir(), 'init-'));
  folder = new FolderStore(join(dir, 'store'));
  await folder.put(KEY, pki.blobA1);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** The folder store, counting blob GETs (not the denylist's), failing the first `failures` of them. */
function counting(failures = 0): { store: ObjectStore; gets: () => number } {
  let gets = 0;
  const store = Object.create(folder) as ObjectStore;
  store.get = (key, opts) => {
    if (!key.endsWith('.cache.bin')) return folder.get(key, opts);
    gets++;
    if (gets <= failures) return Promise.reject(new CrlAuthorizerError('store.unavailable', 'not yet'));
    return folder.get(key, opts);
  };
  return { store, gets: () => gets };
}

const config = { cacheKeys: [KEY], revalidateSeconds: 10 };
const ask = async (h: ReturnType<typeof harness>, pem: string) => {
  const r = await h.handler(restEvent(pem));
  return `${effect(r)} ${String(codeOfResponse(r))}`;
};

describe('loading at init', () => {
  it('does nothing at import outside Lambda', async () => {
    const c = counting();
    const h = harness({ store: c.store, config });
    await loadAtInit(h.handler, {});
    expect(c.gets()).toBe(0);
    expect(h.handler.cache).toBeUndefined();
  });

  it('in Lambda loads every blob before the first request, which is answered from memory', async () => {
    const c = counting();
    const h = harness({ store: c.store, config });
    await loadAtInit(h.handler, { AWS_LAMBDA_FUNCTION_NAME: 'authorizer' });
    expect(c.gets()).toBe(1);
    expect(h.handler.cache!.held()).toHaveLength(1);
    expect(await ask(h, pki.revoked.pem)).toBe('Deny cert.revoked');
    expect(c.gets()).toBe(1);
  });

  it('a failure at init is not fatal: the first request tries again', async () => {
    const c = counting(1);
    const h = harness({ store: c.store, config });
    await loadAtInit(h.handler, { AWS_LAMBDA_FUNCTION_NAME: 'authorizer' });
    expect(h.handler.cache!.held()).toHaveLength(0);
    expect(await ask(h, pki.good.pem)).toBe('Allow cert.good');
    expect(c.gets()).toBe(2);
  });

  it('a first request that still cannot load denies with the store\'s code', async () => {
    const c = counting(2);
    const h = harness({ store: c.store, config });
    await h.handler.prepare(1000);
    expect(await ask(h, pki.good.pem)).toBe('Deny store.unavailable');
  });

  it('gives up waiting at the deadline and leaves the load running for the first request', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const store = Object.create(folder) as ObjectStore;
    store.get = async (key, opts) => {
      await gate;
      return folder.get(key, opts);
    };
    const h = harness({ store, config });
    const started = Date.now();
    await h.handler.prepare(200);
    expect(Date.now() - started).toBeLessThan(2000);
    const first = ask(h, pki.good.pem);
    release();
    expect(await first).toBe('Allow cert.good');
  });
});

describe('the ESM Lambda entry (src/authorizer/lambda.ts), bundled', () => {
  it('finishes importing only after the blobs are loaded', async () => {
    const out = join(dir, 'lambda.mjs');
    await build({
      entryPoints: ['src/authorizer/lambda.ts'],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      outfile: out,
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    await writeFile(join(dir, 'good.json'), JSON.stringify(restEvent(pki.good.pem)));
    const script = `
      const m = await import(${JSON.stringify(pathToFileURL(out).href)});
      process.stdout.write(JSON.stringify({ message: '@@imported' }) + '\\n');
      const { readFileSync } = await import('node:fs');
      await m.handler(JSON.parse(readFileSync(${JSON.stringify(join(dir, 'good.json'))}, 'utf8')));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, CRL_STORE_URL: pathToFileURL(join(dir, 'store')).href, AWS_LAMBDA_FUNCTION_NAME: 'a' },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const messages = run.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { message: string; code?: string }));
    const order = messages.map((m) => m.message).filter((m) => ['index loaded', '@@imported', 'decision'].includes(m));
    expect(order).toEqual(['index loaded', '@@imported', 'decision']);
    expect(messages.find((m) => m.message === 'decision')!.code).toBe('cert.good');
  });
});
