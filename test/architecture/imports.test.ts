import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { folderCycles, folderGraph, forbiddenEdges } from '../support/imports.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const src = join(repo, 'src');

/**
 * What each folder of src/ may import: the map at the top of docs/internals.md, as data. Lower layers first; a
 * folder imports only folders listed above it, so the table itself admits no cycle. Change both together.
 */
const BASE = ['errors', 'limits'];
export const MAY_IMPORT: Record<string, readonly string[]> = {
  errors: [],
  limits: ['errors'],
  config: ['errors'],
  log: [],
  der: BASE,
  x509: [...BASE, 'der'],
  sources: [...BASE, 'x509'],
  crl: [...BASE, 'der', 'x509'],
  wasm: BASE,
  blob: [...BASE, 'der', 'crl', 'wasm'],
  lookup: [...BASE, 'x509', 'crl', 'sources', 'wasm', 'blob'],
  store: [...BASE, 'config'],
  denylist: [...BASE, 'config', 'der', 'x509', 'sources', 'store'],
  ocsp: [...BASE, 'config', 'der', 'x509', 'crl', 'sources', 'lookup', 'store'],
  preprocessor: [...BASE, 'config', 'log', 'der', 'x509', 'crl', 'blob', 'lookup', 'store'],
  fetcher: [...BASE, 'config', 'log', 'store'],
  authorizer: [...BASE, 'config', 'log', 'x509', 'sources', 'lookup', 'denylist', 'ocsp', 'store'],
  // testpki is test and bench support (a deliberate copy of the DER writer, so it imports nothing of src/).
  testpki: [],
  // demo and serve still build a PKI with testpki (serve's local server certificate is being made another way).
  cli: [...BASE, 'config', 'der', 'x509', 'crl', 'blob', 'lookup', 'denylist', 'store', 'preprocessor', 'fetcher', 'authorizer', 'sources', 'ocsp', 'testpki'],
  // The package root: the core API only (no handler, no store).
  index: [...BASE, 'x509', 'crl', 'blob', 'lookup', 'preprocessor'],
};

/** What the folders beside src/ may import of it: the construct reads only the shared names. */
const OUTSIDE: Record<string, readonly string[]> = {
  infra: ['config'],
};

describe('the folders of src/', () => {
  const graph = folderGraph(src);

  it('import one another without a cycle', () => {
    expect(folderCycles(graph)).toEqual([]);
  });

  it('import only what the map in docs/internals.md allows', () => {
    expect(forbiddenEdges(graph, MAY_IMPORT)).toEqual([]);
  });

  it('are all in the map (a new folder needs its line)', () => {
    expect([...graph.keys()].filter((f) => !(f in MAY_IMPORT))).toEqual([]);
  });

  it.each(Object.entries(OUTSIDE))('%s/ imports only the shared names of src/', (dir, allowed) => {
    const g = folderGraph(src, { dir: join(repo, dir), from: dir });
    expect(forbiddenEdges(g, { [dir]: allowed })).toEqual([]);
  });
});

describe('the check itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  };

  it('finds a planted cycle, through type-only, re-export and dynamic imports, and names the forbidden edge', () => {
    write('a/one.ts', "import type { B } from '../b/two.js';\nexport const a = 1;\n");
    write('b/two.ts', "export { c } from '../c/three.js';\nexport type B = number;\n");
    write('c/three.ts', "export const c = () => import('../a/one.js');\n");
    write('d/four.ts', "import '../errors.js';\nimport { x } from 'node:fs';\n");
    write('errors.ts', 'export {};\n');
    const g = folderGraph(dir);
    expect(folderCycles(g)).toEqual([['a', 'b', 'c']]);
    expect(forbiddenEdges(g, { a: ['b'], b: ['c'], d: ['errors'] })).toEqual(['c → a (c/three.ts)']);
  });
});
