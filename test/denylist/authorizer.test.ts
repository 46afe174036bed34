import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createHandler } from '../../src/authorizer/handler.js';
import { serializeDenylist } from '../../src/denylist/index.js';
import { FolderStore } from '../../src/store/index.js';
import { restEvent } from '../authorizer/events.js';
import { T0, makePki, type Pki } from '../support/pki.js';

let dir: string;
let store: FolderStore;
let pki: Pki;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'denylist-handler-'));
  store = new FolderStore(dir);
  pki = makePki();
  await store.put('a.cache.bin', pki.blobA1);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

it('a denylisted certificate is denied denylist.matched before the CRL is asked; a broken denylist keeps the last good one', async () => {
  const lines: string[] = [];
  const handler = createHandler({ store, clock: () => T0, logSink: (l) => lines.push(l), env: {}, config: { revalidateSeconds: 0 } });
  const code = async () => ((await handler(restEvent(pki.good.pem))) as unknown as { context: { code: string } }).context.code;
  expect(await code()).toBe('cert.good');
  const entry = { subject: 'cn=CLIENT-GOOD,o=example,c=us', reason: 'laptop stolen', addedBy: 'oncall', addedAt: '2026-03-01T11:00:00Z' };
  await store.put('denylist.json', serializeDenylist({ version: 1, entries: [entry] }));
  expect(await code()).toBe('denylist.matched');
  expect(lines.some((l) => l.includes('laptop stolen'))).toBe(true);
  await writeFile(join(dir, 'denylist.json'), '{"version":1,"entries":[{"subject":1}]}');
  expect(await code()).toBe('denylist.matched');
  expect(lines.some((l) => l.includes('"DenylistRefreshFailed":1'))).toBe(true);
});
