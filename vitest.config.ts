import { defineConfig } from 'vitest/config';
import { CONFORMANCE_ONLY_FILES, SKIP_HINT, conformanceAvailable } from './test/support/conformance-dir.js';

// Without the conformance data, files that hold only its suites are not run (a file with no suite fails), one line each.
const withoutData = conformanceAvailable() ? [] : CONFORMANCE_ONLY_FILES;
for (const f of withoutData) console.warn(`skipping ${f}: ${SKIP_HINT}`);

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...withoutData],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
