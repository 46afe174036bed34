/**
 * Regenerates docs/performance.md from a results file: `npx tsx bench/write-docs.ts [bench/results/<date>.json]`
 * (default: the newest file in bench/results).
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from './results.js';
import { performanceMarkdown } from './report/markdown.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(REPO, 'bench', 'results');
const file = process.argv[2] ? path.resolve(process.argv[2]) : path.join(dir, newest(dir));
const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
const docs = path.join(REPO, 'docs');
const rel = (p: string) => path.relative(docs, p).split(path.sep).join('/');
writeFileSync(path.join(docs, 'performance.md'), performanceMarkdown(results, rel(file), rel(file.replace(/\.json$/, '.svg'))));
console.log(`wrote docs/performance.md from ${path.relative(REPO, file)}`);

function newest(d: string): string {
  const files = readdirSync(d).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no results in ${d}: run npm run bench first`);
  return files[files.length - 1]!;
}
