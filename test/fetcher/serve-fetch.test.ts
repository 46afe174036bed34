import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveCommand } from '../../src/cli/serve.js';
import { makeCa } from '../../src/testpki/cert.js';
import { makeCrl } from '../../src/testpki/crl.js';
import { startCrlServer, type CrlServer } from '../support/crl-server.js';

describe('serve --watch --fetch NAME=URL', () => {
  let web: CrlServer;
  let dir: string;
  beforeAll(async () => {
    web = await startCrlServer();
    dir = await mkdtemp(join(tmpdir(), 'serve-fetch-'));
  });
  afterAll(async () => {
    await web?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches the CRL into the folder store, where the watcher turns it into a blob', async () => {
    const ca = makeCa({ name: 'CN=Served CA' });
    web.routes.set('/ca.crl', { bytes: makeCrl({ issuer: ca, thisUpdate: new Date(Date.now() - 3600_000) }) });
    const store = join(dir, 'store');
    await rm(store, { recursive: true, force: true });
    await writeFile(join(dir, 'trust.pem'), ca.pem);
    await mkdir(join(store, 'ca'), { recursive: true });
    await writeFile(join(store, 'ca', 'one.ca.pem'), ca.pem);
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
    const stop = new AbortController();
    const args = ['--truststore', join(dir, 'trust.pem'), '--store', pathToFileURL(store).href, '--port', '0', '--watch',
      '--fetch', `ca/one=${web.http}/ca.crl`, '--quiet'];
    const served = serveCommand(args, io, { signal: stop.signal });
    const blob = join(store, 'ca', 'one.cache.bin');
    for (let i = 0; i < 100 && !existsSync(blob); i++) await new Promise((r) => setTimeout(r, 100));
    stop.abort();
    expect(await served).toBe(0);
    expect(existsSync(join(store, 'ca', 'one.crl'))).toBe(true);
    expect(existsSync(blob)).toBe(true);
    expect(lines.join('\n')).toMatch(/fetch: http:\/\/127\.0\.0\.1:\d+\/ca\.crl -> ca\/one\.crl/);
  });

  it('refuses --fetch without --watch, and a value that is not NAME=URL', async () => {
    const io = { out: () => undefined, err: () => undefined };
    const base = ['--truststore', join(dir, 'trust.pem'), '--store', pathToFileURL(dir).href];
    await expect(serveCommand([...base, '--fetch', `a=${web.http}/x`], io)).rejects.toThrow('--fetch needs --watch');
    await expect(serveCommand([...base, '--watch', '--fetch', 'nourl'], io)).rejects.toThrow('NAME=URL');
  });
});
