import type { Code } from '../errors.js';
import type { RevocationSource, SourceAnswer, SourceName, SourceSummary } from '../sources/types.js';
import type { CertFacts } from '../x509/cert.js';
import { crlAnswer, holdIndex } from './crl-source.js';
import type { RevocationIndex } from './index.js';

export type Status = 'good' | 'revoked' | 'unknown';

/** Module-private: a Verdict can be made only here, so nothing else can produce a `good` one. */
const DECIDED: unique symbol = Symbol('decided');

/** The decision for one certificate. Only `verdictOf` (and `decide`) make one; anything but `good` denies. */
export interface Verdict {
  readonly status: Status;
  readonly code: Code;
  readonly reason: string;
  /** What answered (for logs, context and hooks), where a source did. */
  readonly summary?: SourceSummary;
  readonly [DECIDED]: true;
}

/** One source's answer, with the source that gave it. */
export interface Answered {
  source: SourceName;
  answer: SourceAnswer;
}

export interface DecisionRule {
  /** Sources that must themselves answer `good` for an Allow (OCSP_MODE=require: `['ocsp']`). */
  require?: readonly SourceName[];
}

/**
 * Whose `good` can allow. The denylist only vetoes: a certificate it does not list is not thereby good, and a
 * denylist that cannot answer denies (it must be checked before anything allows).
 */
const VOUCHES: Readonly<Record<SourceName, boolean>> = { crl: true, ocsp: true, denylist: false };

/**
 * Combines the answers of the sources asked, in the order asked, into the verdict (DESIGN.md "Revocation sources
 * sit behind one seam"):
 * 1. any `revoked` denies, whatever else answered;
 * 2. a source that only vetoes (the denylist) or that the rule requires, and did not answer `good`, decides;
 * 3. otherwise the first `good` of a source that vouches allows;
 * 4. otherwise the first vouching source's `unknown` says why not (no answer at all: not covered).
 */
export function verdictOf(answers: readonly Answered[], rule: DecisionRule = {}): Verdict {
  for (const a of answers) if (a.answer.status === 'revoked') return make(a.answer);
  for (const a of answers) {
    if (a.answer.status !== 'good' && (!VOUCHES[a.source] || rule.require?.includes(a.source))) return make(a.answer);
  }
  for (const name of rule.require ?? []) {
    if (!answers.some((a) => a.source === name)) {
      return make({ status: 'unknown', code: 'internal', reason: `the required ${name} source was not asked` });
    }
  }
  let unknown: SourceAnswer | undefined;
  for (const a of answers) {
    if (!VOUCHES[a.source]) continue;
    if (a.answer.status === 'good') return make(a.answer);
    unknown ??= a.answer;
  }
  return make(unknown ?? { status: 'unknown', code: 'index.not-covered', reason: 'no revocation source answered' });
}

/** What asking the sources gave: the verdict, and every answer in the order asked (the CLI lists them). */
export interface Asked {
  verdict: Verdict;
  answers: readonly Answered[];
}

/**
 * Asks every source in order and combines the answers (`verdictOf`). While sources answer synchronously (the CRL
 * index always does) no promise is made and the result is returned as is; the first source that returns a
 * thenable moves the rest onto the async path. A source that throws (or rejects) is not caught here: the throw
 * (or rejection) is the caller's, as the seam says a source never throws for a problem of its own.
 */
export function askSources(sources: readonly RevocationSource[], cert: CertFacts, at: Date, rule?: DecisionRule): Asked | Promise<Asked> {
  const answers: Answered[] = [];
  for (let i = 0; i < sources.length; i++) {
    const source = sources[i]!;
    const a = source.check(cert, at);
    if (isThenable(a)) return askOn(sources, i, a, answers, cert, at, rule);
    answers.push({ source: source.name, answer: a });
  }
  return { verdict: verdictOf(answers, rule), answers };
}

async function askOn(
  sources: readonly RevocationSource[],
  i: number,
  first: Promise<SourceAnswer>,
  answers: Answered[],
  cert: CertFacts,
  at: Date,
  rule?: DecisionRule,
): Promise<Asked> {
  answers.push({ source: sources[i]!.name, answer: await first });
  for (const source of sources.slice(i + 1)) answers.push({ source: source.name, answer: await source.check(cert, at) });
  return { verdict: verdictOf(answers, rule), answers };
}

/** Whether a value is a promise (or any thenable): the test that keeps the synchronous path free of promises. */
export function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Whether the verdict allows: `good`, and made here. */
export function allows(v: Verdict): boolean {
  return v.status === 'good' && v[DECIDED] === true;
}

export interface DecideOptions {
  at: Date;
  /** Seconds past a CRL's nextUpdate during which its index still answers. */
  graceSeconds?: number;
}

/** One certificate against CRL indexes alone (the CLI's `check`, tests): the CRL source's answer, decided. */
export function decide(cert: CertFacts, indexes: readonly RevocationIndex[], opts: DecideOptions): Verdict {
  const held = indexes.map((index) => holdIndex(index));
  const answer = crlAnswer(cert, held, { at: opts.at.getTime(), graceSeconds: opts.graceSeconds ?? 0 });
  return verdictOf([{ source: 'crl', answer }]);
}

function make(a: SourceAnswer): Verdict {
  return a.summary === undefined
    ? { status: a.status, code: a.code, reason: a.reason, [DECIDED]: true }
    : { status: a.status, code: a.code, reason: a.reason, summary: a.summary, [DECIDED]: true };
}
