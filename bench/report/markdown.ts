import type { BenchResults } from '../results.js';
import { fmtBytes, fmtEntries, sig } from './format.js';
import { markdownTable } from './table.js';

/**
 * docs/performance.md, rendered from one results file, so that every figure on the page is one the bench
 * measured and wrote down. `resultsPath` and `chartPath` are relative to docs/.
 */
export function performanceMarkdown(r: BenchResults, resultsPath: string, chartPath: string): string {
  const m = r.machine;
  const targets = r.targets.map((t) => `| ${t.target} | ${t.measured} | ${t.pass === null ? 'not judged' : t.pass ? 'pass' : '**fail**'} |`);
  const crls = r.crls.map((c) => `| ${fmtEntries(c.entries)} | ${c.alg} | ${fmtBytes(c.bytes)} |`);
  const pk = r.preprocess.filter((p) => p.method === 'pkijs' && p.skipped);
  const inProcess = r.preprocess
    .filter((p) => p.method === 'this project' && p.medianOpMs != null)
    .map((p) => `${sig(p.medianOpMs!)} ms at ${fmtEntries(p.entries)} (${p.alg})`);
  return `# Performance

Figures from one run of \`${r.command.replace(/ --$/, '')}\` on ${r.date}, written to [\`${resultsPath}\`](${resultsPath}).
Every number on this page is copied from that file by \`npx tsx bench/write-docs.ts\`; run the bench again and
regenerate this page to reproduce them on your machine.

**Machine:** ${m.cpuModel}, ${m.cores} cores, ${sig(m.memoryBytes / 2 ** 30)} GiB memory, ${m.platform}/${m.arch} (kernel
${m.kernel}), Node ${m.node} (V8 ${m.v8}), ${m.openssl ?? 'no openssl on PATH'}. The bench measured for
${r.durationSeconds} s (CRL generation excluded).

**Conditions:** ${r.notes.filter((n) => /load average|nice/.test(n)).join(' ')} Other work on a shared 2-core
machine inflates the time figures (the per-lookup and memory-floor rows most), so treat them as upper bounds
and compare rows within this run rather than across runs.

![ns per lookup and cold load time against CRL size](${chartPath})

## Targets (issue #5)

| target | measured | |
|---|---|---|
${targets.join('\n')}

Targets are reported by the bench and never fail it. A target at a size the run did not include (1e7 needs
\`--sizes 1e4,1e5,1e6,1e7\`) is "not judged".

## Side by side

Each row puts this project's figure beside one alternative's; the ratio is this project ÷ alternative, so below
1 means faster or smaller.

${markdownTable(r.table)}

## What each row measures

- **Synthetic CRLs**: real signed CRLs written by \`src/testpki/large-crl.ts\`, one signed by an EC P-256 CA and
  one by an RSA-2048 CA per size, from the same seeded generator: serials of 1 to 20 octets (70% of 16–20, 20%
  of 8–15, 10% of 1–7), about half of the longer ones with the high bit set behind a leading 00, a quarter of
  the entries with a reason code, in no order. They are cached under \`bench/.cache\`.

  | entries | CA | CRL size |
  |---:|---|---:|
${crls.map((l) => `  ${l}`).join('\n')}
- **preprocess**: each run is a fresh process; wall time is from spawn to exit (node's start-up included, as
  openssl's is), peak RSS is GNU time's maximum resident set. This project reads the CRL and CA, verifies the
  signature, streams the entries and writes the blob. openssl runs \`openssl crl -inform DER -noout -CAfile\`,
  which parses every entry and verifies. pkijs parses the whole CRL into objects (asn1js limits raised) and
  verifies. Inside its process, this project's part alone (read, verify, encode, write; no node start-up) took
  ${inProcess.join(', ')}.${pk.length ? ` pkijs was skipped where its run time would exceed the bench's budget: ${pk.map((p) => `${fmtEntries(p.entries)} (${p.alg}): ${p.skipped}`).join('; ')}.` : ''} Medians of ${r.options.repeats} runs.
- **artefact**: the blob against the reference design's JSON cache (\`{"thisUpdate", "nextUpdate", "serials": [hex,
  ...]}\`, the smallest faithful form; its exact layout was not given).
- **cold load**: the artefact (in the page cache) to a ready index: \`RevocationIndex.fromFile\` (read into WASM
  memory, header and xxHash64 checked) against \`readFileSync\` + \`JSON.parse\` + \`new Set\`. Median of repeated
  loads in one process with a full GC between them, after one uncounted load. "first lookup after load" is the
  latency of the very first \`has()\` on a freshly loaded index, for a serial not on the CRL (no target).
- **lookup**: ns per lookup through each JS API over the same random keys, half of them revoked, in batches of
  1,024 (benchmark.js, median over samples). The key set (up to 2^20 keys) is far larger than the caches at
  the big sizes. "WASM directory index" is \`RevocationIndex.has\`; "WASM plain binary search" is the module's
  \`hasPlain\` over the same records re-sorted in plain order; "JS binary search over the blob" is the same
  directory search written as allocation-free JavaScript; "JS Set<string>" is the reference design's Set of hex
  serials, given the key's hex text precomputed (which favours it: the hex is not built per lookup). The memory
  floor is one dependent random load in a buffer the size of the blob.
- **warm handler**: \`createHandler\` over a folder store with the blob loaded and no revalidation due, called with a
  REST API REQUEST event carrying a real client certificate (Allow), p50/p99 of single requests; log lines are
  built and dropped. The reference parses the certificate with \`node:crypto\` \`X509Certificate\` and looks its
  serial up in the Set; it does no issuer binding and no expiry check.
- **revalidation**: against s3rver on 127.0.0.1. This project's conditional GET (If-None-Match; 304 when unchanged)
  against a HEAD to compare the ETag, then a GET when it changed.

${r.notes.map((n) => `Note: ${n}`).join('\n')}
`;
}
