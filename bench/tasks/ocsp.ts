/**
 * OCSP as a revocation source: what a cached answer adds to a request, what an uncached one costs against a real
 * `openssl ocsp` responder on 127.0.0.1, and the cache hit rate under a repeat-client mix (a few clients make most
 * requests: Zipf-distributed popularity, as API clients behind one gateway tend to be).
 */
import { OcspSource } from '../../src/ocsp/source.js';
import { makeCa, makeLeaf, type TestCert } from '../../src/testpki/index.js';
import { readCertificate, type CertFacts } from '../../src/x509/cert.js';
import { startOpensslResponder } from '../../test/ocsp/responders.js';
import { nsPerOp } from '../measure.js';
import { quantile } from '../stats.js';
import { main, taskArgs } from './io.js';

export interface OcspBenchRow {
  case: 'cached answer (source.check hit)' | 'uncached (openssl ocsp on 127.0.0.1)' | 'repeat-client mix';
  requests: number;
  p50Us: number;
  p99Us: number;
  /** benchmark.js median ns per call, for the cached row */
  nsPerOp?: number;
  /** hits / (hits + misses), for the mix */
  hitRate?: number;
  clients?: number;
  cacheEntries?: number;
}

interface Args {
  requests: number;
  clients: number;
  benchSeconds: number;
}

/** Zipf(s = 1) ranks over n clients from a seeded generator, so every run sees the same request stream. */
function zipfStream(n: number, count: number, seed: number): number[] {
  const weights = Array.from({ length: n }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  let x = seed >>> 0;
  const rand = () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length: count }, () => {
    const r = rand();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  });
}

main(async () => {
  const args = taskArgs<Args>();
  const ca = makeCa({ name: 'CN=Bench OCSP CA,O=Test,C=US' });
  const leaves: TestCert[] = Array.from({ length: args.clients }, (_, i) => makeLeaf(ca, { serial: BigInt(0x10000 + i) }));
  const facts: CertFacts[] = leaves.map((l) => readCertificate(l.der));
  const responder = await startOpensslResponder({ ca, signer: ca, entries: leaves.map((cert) => ({ cert })), nmin: 60 });
  const rows: OcspBenchRow[] = [];
  try {
    const issuers = [readCertificate(ca.der)];
    const at = () => new Date();

    // Uncached: a fresh source per request, so each one is a real round trip, signature check and all.
    const uncached: number[] = [];
    for (let i = 0; i < args.requests + 5; i++) {
      const s = new OcspSource({ issuers, responderUrl: responder.url, timeoutMs: 5000 });
      const t0 = process.hrtime.bigint();
      const a = await s.check(facts[i % facts.length]!, at());
      const us = Number(process.hrtime.bigint() - t0) / 1e3;
      if (a.status !== 'good') throw new Error(`uncached: expected good, got ${a.code}: ${a.reason}`);
      if (i >= 5) uncached.push(us);
    }
    rows.push({ case: 'uncached (openssl ocsp on 127.0.0.1)', requests: uncached.length, p50Us: quantile(uncached, 0.5), p99Us: quantile(uncached, 0.99) });

    // Cached: the answer every repeat client gets; synchronous, so no await in the timed part.
    const warm = new OcspSource({ issuers, responderUrl: responder.url, timeoutMs: 5000 });
    const hot = facts.slice(0, 64);
    for (const f of hot) await warm.check(f, at());
    const now = at();
    const cached: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const f = hot[i & 63]!;
      const t0 = process.hrtime.bigint();
      const a = warm.check(f, now);
      const ns = Number(process.hrtime.bigint() - t0);
      if ((a as { status?: string }).status !== 'good') throw new Error('cached: expected a synchronous good answer');
      if (i >= 2000) cached.push(ns / 1e3);
    }
    let k = 0;
    const batch = 256;
    const perCall = nsPerOp('ocsp cached', () => {
      for (let i = 0; i < batch; i++) warm.check(hot[k++ & 63]!, now);
    }, batch, args.benchSeconds);
    rows.push({ case: 'cached answer (source.check hit)', requests: cached.length, p50Us: quantile(cached, 0.5), p99Us: quantile(cached, 0.99), nsPerOp: perCall.ns });

    // The mix: Zipf over the clients, the default cache bound and a small one; misses go to the responder.
    for (const cacheEntries of [10_000, Math.max(8, args.clients >> 4)]) {
      const s = new OcspSource({ issuers, responderUrl: responder.url, timeoutMs: 5000, cacheEntries });
      const stream = zipfStream(args.clients, args.requests * 10, 7);
      const lat: number[] = [];
      for (const c of stream) {
        const t0 = process.hrtime.bigint();
        const r = s.check(facts[c]!, at());
        const a = r instanceof Promise ? await r : r;
        lat.push(Number(process.hrtime.bigint() - t0) / 1e3);
        if (a.status !== 'good') throw new Error(`mix: expected good, got ${a.code}`);
      }
      const { hits, misses } = s.stats;
      rows.push({
        case: 'repeat-client mix',
        requests: stream.length,
        p50Us: quantile(lat, 0.5),
        p99Us: quantile(lat, 0.99),
        hitRate: hits / (hits + misses),
        clients: args.clients,
        cacheEntries,
      });
    }
  } finally {
    await responder.stop();
  }
  return { rows };
});
