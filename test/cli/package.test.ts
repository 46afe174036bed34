import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** What `npm publish` would ship (the built dist: `npm test` builds first). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8' });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
}

it('the published package leaves out src/testpki and the demo, and every shipped module imports only shipped files', () => {
  const files = packedFiles();
  const shipped = new Set(files);
  expect(files).toContain('dist/src/cli/main.js');
  expect(files.filter((f) => f.includes('testpki') || /\/demo[.-]/.test(f))).toEqual([]);
  const broken: string[] = [];
  for (const file of files.filter((f) => f.endsWith('.js'))) {
    const text = readFileSync(path.join(ROOT, file), 'utf8');
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), m[1]!));
      if (!shipped.has(target)) broken.push(`${file} → ${m[1]}`);
    }
  }
  expect(broken).toEqual([]);
});
