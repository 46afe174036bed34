import type { BenchResults, LookupMethod, TableRow } from '../results.js';
import { fmtEntries, fmtRatio, fmtValue } from './format.js';

/**
 * The side-by-side rows: one per (measure, size, alternative), this project's figure first, the ratio
 * this project ÷ alternative last (below 1 is better for every unit here: time and bytes).
 */
export function tableRows(r: Omit<BenchResults, 'table' | 'targets'>): TableRow[] {
  const rows: TableRow[] = [];
  const add = (row: Omit<TableRow, 'ratio'>): void => {
    const ratio = row.ours !== null && row.theirs !== null && row.theirs > 0 ? row.ours / row.theirs : null;
    rows.push({ ...row, ratio });
  };

  for (const p of r.preprocess.filter((x) => x.method === 'this project')) {
    for (const alt of r.preprocess.filter((x) => x.entries === p.entries && x.alg === p.alg && x.method !== 'this project')) {
      const note = alt.skipped;
      add({ section: 'preprocess', entries: p.entries, what: `wall time, ${p.alg} CRL`, ours: p.medianWallMs, alternative: alt.method, theirs: alt.medianWallMs, unit: 'ms', ...(note ? { note } : {}) });
      // A skipped alternative gets one row, with the reason.
      if (note && alt.medianWallMs === null) continue;
      add({ section: 'preprocess', entries: p.entries, what: `peak RSS, ${p.alg} CRL`, ours: p.medianPeakRssBytes, alternative: alt.method, theirs: alt.medianPeakRssBytes, unit: 'bytes' });
    }
  }
  for (const a of r.artefact) {
    add({ section: 'artefact', entries: a.entries, what: 'size on disk', ours: a.blobBytes, alternative: 'JSON cache of hex serials', theirs: a.jsonBytes, unit: 'bytes' });
    if (a.blobV1Bytes !== undefined) {
      add({ section: 'artefact', entries: a.entries, what: 'size on disk (v2, with the filter)', ours: a.blobBytes, alternative: 'v1 blob (no filter)', theirs: a.blobV1Bytes, unit: 'bytes' });
    }
  }
  for (const c of r.coldLoad.filter((x) => x.method === 'blob -> WASM index')) {
    const alt = r.coldLoad.find((x) => x.entries === c.entries && x.method === 'JSON.parse + Set');
    add({ section: 'cold load', entries: c.entries, what: 'artefact -> ready index', ours: c.medianMs, alternative: 'JSON.parse + Set', theirs: alt?.medianMs ?? null, unit: 'ms' });
    add({ section: 'cold load', entries: c.entries, what: 'first lookup after load (no target)', ours: c.firstLookupNs, alternative: 'JSON.parse + Set', theirs: alt?.firstLookupNs ?? null, unit: 'ns' });
  }
  const alternatives: LookupMethod[] = [
    'WASM plain binary search',
    'JS Set<string>',
    'JS binary search over the blob',
    'memory floor (dependent random load)',
  ];
  for (const l of r.lookup.filter((x) => x.method === 'WASM directory index')) {
    for (const m of alternatives) {
      const alt = r.lookup.find((x) => x.entries === l.entries && x.method === m);
      add({ section: 'lookup', entries: l.entries, what: 'ns per lookup (WASM directory index)', ours: l.nsPerOp, alternative: m, theirs: alt?.nsPerOp ?? null, unit: 'ns' });
    }
  }
  // Issue #17: absent and present keys apart (the filter answers the absent ones alone).
  const split: [LookupMethod, string, LookupMethod[]][] = [
    ['WASM index, absent keys', 'ns per lookup, absent keys (WASM index v2)', [
      'JS Set<string>, absent keys (pre-built strings)',
      'JS Set<string>, absent keys (string made per lookup)',
      'WASM index v1 (no filter), absent keys',
      'memory floor (dependent random load)',
      'L2-resident floor (dependent random load)',
    ]],
    ['WASM index, present keys', 'ns per lookup, present keys (WASM index v2)', [
      'WASM index v1 (no filter), present keys',
      'JS Set<string>, present keys (pre-built strings)',
      'JS Set<string>, present keys (string made per lookup)',
      'memory floor (dependent random load)',
      'L2-resident floor (dependent random load)',
    ]],
  ];
  const lookupSplit = r.lookupSplit ?? [];
  for (const [method, what, against] of split) {
    for (const l of lookupSplit.filter((x) => x.method === method)) {
      for (const m of against) {
        const alt = [...lookupSplit, ...r.lookup].find((x) => x.entries === l.entries && x.method === m);
        add({ section: 'lookup, absent/present', entries: l.entries, what, ours: l.nsPerOp, alternative: m, theirs: alt?.nsPerOp ?? null, unit: 'ns' });
      }
    }
  }
  const denylist = r.denylist ?? [];
  for (const h of denylist.filter((x) => x.method.includes('10,000-entry denylist'))) {
    const alt = denylist.find((x) => x.entries === h.entries && x.method === 'this project (handler), interleaved, no denylist');
    const what = h.method.replace('this project (handler), interleaved, ', '');
    for (const q of ['p50', 'p99'] as const) {
      add({ section: 'warm handler', entries: h.entries, what: `${q} per request, ${what}`, ours: h[`${q}Us`], alternative: 'no denylist (interleaved)', theirs: alt?.[`${q}Us`] ?? null, unit: 'us' });
    }
  }
  for (const h of r.handler.filter((x) => x.method === 'this project (handler)')) {
    const alt = r.handler.find((x) => x.entries === h.entries && x.method === 'reference (X509Certificate + Set)');
    add({ section: 'warm handler', entries: h.entries, what: 'p50 per request', ours: h.p50Us, alternative: alt?.method ?? 'reference', theirs: alt?.p50Us ?? null, unit: 'us' });
    add({ section: 'warm handler', entries: h.entries, what: 'p99 per request', ours: h.p99Us, alternative: alt?.method ?? 'reference', theirs: alt?.p99Us ?? null, unit: 'us' });
  }
  for (const c of ['unchanged', 'changed'] as const) {
    const ours = r.revalidation.find((x) => x.case === c && x.method === 'conditional GET (If-None-Match)');
    const alt = r.revalidation.find((x) => x.case === c && x.method === 'HEAD then GET');
    if (!ours) continue;
    for (const q of ['p50', 'p99'] as const) {
      add({
        section: 'revalidation',
        entries: null,
        what: `${c} blob, ${q}, conditional GET`,
        ours: ours[`${q}Ms`],
        alternative: c === 'unchanged' ? 'HEAD (ETag compare)' : 'HEAD then GET',
        theirs: alt?.[`${q}Ms`] ?? null,
        unit: 'ms',
      });
    }
  }
  return rows;
}

/** A plain-text table for the terminal and for docs (fixed-width columns). */
export function formatTable(rows: readonly TableRow[]): string {
  const header = ['section', 'entries', 'measure', 'this project', 'alternative', 'alternative\'s', 'ratio'];
  const cells = rows.map((r) => [
    r.section,
    fmtEntries(r.entries),
    r.what,
    fmtValue(r.ours, r.unit),
    r.alternative,
    r.theirs === null && r.note ? 'skipped' : fmtValue(r.theirs, r.unit),
    fmtRatio(r.ratio),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === 3 || i === 5 || i === 6 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let last = '';
  for (const c of cells) {
    if (last && c[0] !== last) out.push('');
    last = c[0]!;
    out.push(line(c));
  }
  const notes = rows.filter((r) => r.note).map((r) => `  note (${r.section}, ${r.alternative}, ${fmtEntries(r.entries)}): ${r.note}`);
  return [...out, ...[...new Set(notes)]].join('\n');
}

/** The same rows as a Markdown table (for docs/performance.md). */
export function markdownTable(rows: readonly TableRow[]): string {
  const out = ['| section | entries | measure | this project | alternative | alternative\'s | this ÷ alternative |', '|---|---:|---|---:|---|---:|---:|'];
  for (const r of rows) {
    const theirs = r.theirs === null && r.note ? `skipped: ${r.note}` : fmtValue(r.theirs, r.unit);
    out.push(`| ${r.section} | ${fmtEntries(r.entries)} | ${r.what} | ${fmtValue(r.ours, r.unit)} | ${r.alternative} | ${theirs} | ${fmtRatio(r.ratio)} |`);
  }
  return out.join('\n');
}
