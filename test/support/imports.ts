import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * The folder-level import graph of a TypeScript tree, read from the sources as text (no compiler): every relative
 * `import … from`, `export … from`, side-effect `import '…'` and dynamic `import('…')`, type-only ones included
 * (a type import is still a dependency a reader must follow). A folder is a first-level directory below the root;
 * a file directly in the root is its own node, named without its extension (`errors`, `limits`, `index`).
 */
export type FolderGraph = Map<string, Map<string, string[]>>;

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

export function folderOf(root: string, file: string): string {
  const rel = relative(root, file).split(sep);
  return rel.length === 1 ? rel[0]!.replace(/\.(d\.)?[cm]?[jt]sx?$/, '') : rel[0]!;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/**
 * from → (to → the files of `from` that import `to`), self-edges left out. With `outside`, the files of that
 * folder (not below `root`) are read instead, and their imports into `root` are the edges of one node `from`.
 */
export function folderGraph(root: string, outside?: { dir: string; from: string }): FolderGraph {
  const g: FolderGraph = new Map();
  for (const file of sources(outside?.dir ?? root)) {
    const from = outside?.from ?? folderOf(root, file);
    if (!g.has(from)) g.set(from, new Map());
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const spec = m[1]!;
      if (!spec.startsWith('.')) continue;
      const target = resolve(dirname(file), spec);
      const to = relative(root, target).startsWith('..') ? undefined : folderOf(root, target);
      if (to === undefined || to === from) continue;
      const edges = g.get(from)!;
      edges.set(to, [...(edges.get(to) ?? []), relative(outside?.dir ?? root, file)]);
    }
  }
  return g;
}

/** Every cycle among the folders, one per strongly connected component of more than one folder (Tarjan). */
export function folderCycles(g: FolderGraph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return out;
}

/** The edges `rules` does not allow, as `from → to (file, …)`; a folder missing from `rules` may import nothing. */
export function forbiddenEdges(g: FolderGraph, rules: Readonly<Record<string, readonly string[]>>): string[] {
  const out: string[] = [];
  for (const [from, edges] of g) {
    for (const [to, files] of edges) {
      if (!(rules[from] ?? []).includes(to)) out.push(`${from} → ${to} (${files.join(', ')})`);
    }
  }
  return out.sort();
}
