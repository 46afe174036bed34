import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderStore } from '../../src/store/index.js';
import { restEvent } from './events.js';
import { makePki, type Pki } from '../support/pki.js';

/**
 * The handler bundled as CDK's NodejsFunction bundles it (esbuild, platform node, @aws-sdk/* external), run in
 * a fresh Node process from a directory with no node_modules: it must find its WASM and must not need the SDK
 * when the store is a folder.
 */
let dir: string;
let pki: Pki;
beforeAll(async () => {
  pki = makePki();
  dir = await mkdtemp(join(tmpdir(), 'bundle-'));
  await new FolderStore(join(dir, 'store')).put('a.cache.bin', pki.blobA1);
  await writeFile(join(dir, 'good.json'), JSON.stringify(restEvent(pki.good.pem)));
  await writeFile(join(dir, 'revoked.json'), JSON.stringify(restEvent(pki.revoked.pem)));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(['esm', 'cjs'] as const)('the %s bundle', (format) => {
  it('answers from a folder store without the AWS SDK present', async () => {
    const out = join(dir, format === 'esm' ? 'index.mjs' : 'index.cjs');
    await build({
      entryPoints: ['src/authorizer/index.ts'],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format,
      outfile: out,
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    const script = `
      const { readFileSync } = require('node:fs');
      const load = ${format === 'esm' ? `import(${JSON.stringify(pathToFileURL(out).href)})` : `Promise.resolve(require(${JSON.stringify(out)}))`};
      load.then(async (m) => {
        const codes = [];
        for (const f of ['good.json', 'revoked.json']) {
          const r = await m.handler(JSON.parse(readFileSync(${JSON.stringify(dir)} + '/' + f, 'utf8')));
          codes.push(r.policyDocument.Statement[0].Effect + ' ' + r.context.code);
        }
        process.stderr.write(JSON.stringify(codes));
      });`;
    const run = spawnSync(process.execPath, ['-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH, CRL_STORE_URL: pathToFileURL(join(dir, 'store')).href },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stderr)).toEqual(['Allow cert.good', 'Deny cert.revoked']);
    // The decision lines went to stdout, as JSON.
    const decisions = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === 'decision');
    expect(decisions).toHaveLength(2);
  });
});
