/**
 * A small structured logger and CloudWatch Embedded Metric Format (EMF) writer, without dependencies.
 *
 * Cost is kept far below the decision's: one flat object, one JSON.stringify, one write per line. The decision
 * line is itself the EMF document: its `_aws` metadata is a precomputed string spliced before the stringified
 * fields, so metrics add no extra line and no extra serialisation per request. Revalidation outcomes are
 * counted in memory and carried by the next decision line (every revalidation happens on behalf of a request,
 * so the next line is written in the same invocation and nothing waits in memory across a freeze).
 */

import { countEntry } from '../log/emf.js';

export type LogSink = (line: string) => void;

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + '\n');
};

export type Level = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
type Fields = Record<string, string | number | boolean | null | undefined>;

export class Logger {
  constructor(
    private readonly sink: LogSink,
    private readonly service: string,
    private readonly clock: () => number,
  ) {}

  info(message: string, fields?: Fields): void {
    this.write('INFO', message, fields);
  }
  warn(message: string, fields?: Fields): void {
    this.write('WARN', message, fields);
  }
  error(message: string, fields?: Fields): void {
    this.write('ERROR', message, fields);
  }

  /** Lines other than decisions: rare (cold start, revalidation changes, failures). */
  write(level: Level, message: string, fields?: Fields): void {
    const line = { level, message, service: this.service, timestamp: new Date(this.clock()).toISOString(), ...fields };
    this.emit(JSON.stringify(line));
  }

  /** Never lets a failing sink (a closed pipe) turn into an exception on the request path. */
  emit(line: string): void {
    try {
      this.sink(line);
    } catch {
      // Logging must not change a decision.
    }
  }
}

export type RevalidationOutcome = 'not-modified' | 'updated' | 'failed';

/** The fields of one decision line (see `Metrics.decisionLine`). */
export interface DecisionFields {
  decision: 'Allow' | 'Deny';
  code: string;
  status: string;
  reason?: string;
  serial?: string;
  issuer?: string;
  crlNumber?: string;
  /** Seconds since the deciding index was last confirmed current with the store. */
  indexAgeSeconds?: number;
  /** Seconds since the deciding CRL's thisUpdate. */
  crlAgeSeconds?: number;
  /** Seconds until the deciding CRL's nextUpdate (negative once past it); absent for a CRL without one. */
  secondsToNextUpdate?: number;
  latencyUs: number;
  requestId?: string;
  shape?: string;
  /** Which source decided (the verdict's summary): `crl`, `ocsp`, `denylist`; absent when none answered. */
  source?: string;
  /** When OCSP was asked: its answer's code, whether its cache answered, and a responder call's latency. */
  ocspCode?: string;
  ocspCache?: 'hit' | 'miss';
  ocspLatencyMs?: number;
}

const REVALIDATION_METRIC: Record<RevalidationOutcome, string> = {
  'not-modified': 'RevalidationsNotModified',
  updated: 'RevalidationsUpdated',
  failed: 'RevalidationsFailed',
};

/**
 * EMF metrics: `Decisions` by `code` (dimensions service, code); `RevalidationsNotModified`,
 * `RevalidationsUpdated`, `RevalidationsFailed`, `CrlAgeSeconds` and `SecondsToNextUpdate` (dimension service). Revalidation outcomes
 * are separate metric names rather than an `outcome` dimension because one EMF document holds one value per
 * dimension, and one line may carry several outcomes (several blobs).
 */
export class Metrics {
  private pending: Record<RevalidationOutcome, number> = { 'not-modified': 0, updated: 0, failed: 0 };
  private pendingAny = false;
  private readonly prefixes = new Map<number, string>();

  constructor(
    private readonly namespace: string,
    private readonly service: string,
  ) {}

  /** One line counting 1 of `metric` (dimension service): rare events, such as a failed denylist refresh. */
  countLine(now: number, metric: string, fields: Record<string, unknown>): string {
    return JSON.stringify(countEntry(this.namespace, metric, { service: this.service }, now, fields));
  }

  revalidation(outcome: RevalidationOutcome): void {
    this.pending[outcome]++;
    this.pendingAny = true;
  }

  /** One JSON line: the decision's log fields, which are also an EMF document. */
  decisionLine(now: number, f: DecisionFields): string {
    const withAge = f.crlAgeSeconds !== undefined;
    const withNext = f.secondsToNextUpdate !== undefined;
    const withRevalidations = this.pendingAny;
    const withOcsp = f.ocspCache !== undefined;
    const withOcspLatency = f.ocspLatencyMs !== undefined;
    const o: Record<string, unknown> = {
      level: 'INFO',
      message: 'decision',
      service: this.service,
      ...f,
      Decisions: 1,
    };
    if (withAge) o.CrlAgeSeconds = f.crlAgeSeconds;
    if (withNext) o.SecondsToNextUpdate = f.secondsToNextUpdate;
    if (withOcsp) {
      o.OcspCacheHits = f.ocspCache === 'hit' ? 1 : 0;
      o.OcspCacheMisses = f.ocspCache === 'hit' ? 0 : 1;
    }
    if (withOcspLatency) o.OcspLatency = f.ocspLatencyMs;
    if (withRevalidations) {
      for (const k of Object.keys(this.pending) as RevalidationOutcome[]) {
        o[REVALIDATION_METRIC[k]] = this.pending[k];
        this.pending[k] = 0;
      }
      this.pendingAny = false;
    }
    const body = JSON.stringify(o);
    const ocspBits = (withOcsp ? 8 : 0) | (withOcspLatency ? 16 : 0) | (f.source !== undefined ? 32 : 0);
    return `${this.prefix(withAge, withRevalidations, withNext, ocspBits)}${Math.trunc(now)}},${body.slice(1)}`;
  }

  private prefix(withAge: boolean, withRevalidations: boolean, withNext: boolean, ocspBits = 0): string {
    const k = (withAge ? 1 : 0) | (withRevalidations ? 2 : 0) | (withNext ? 4 : 0) | ocspBits;
    let p = this.prefixes.get(k);
    if (p === undefined) {
      const ns = this.namespace;
      const service: { Name: string; Unit: string }[] = [];
      if (withAge) service.push({ Name: 'CrlAgeSeconds', Unit: 'Seconds' });
      if (withNext) service.push({ Name: 'SecondsToNextUpdate', Unit: 'Seconds' });
      if (withRevalidations) {
        for (const name of Object.values(REVALIDATION_METRIC)) service.push({ Name: name, Unit: 'Count' });
      }
      if (ocspBits & 8) service.push({ Name: 'OcspCacheHits', Unit: 'Count' }, { Name: 'OcspCacheMisses', Unit: 'Count' });
      if (ocspBits & 16) service.push({ Name: 'OcspLatency', Unit: 'Milliseconds' });
      // Decisions by the source that decided, beside by code, once a line says which source it was.
      const dims = ocspBits & 32 ? [['service', 'code'], ['service', 'source']] : [['service', 'code']];
      const directives: unknown[] = [
        { Namespace: ns, Dimensions: dims, Metrics: [{ Name: 'Decisions', Unit: 'Count' }] },
      ];
      if (service.length > 0) directives.push({ Namespace: ns, Dimensions: [['service']], Metrics: service });
      // `{"_aws":{"CloudWatchMetrics":[...],"Timestamp":` + now + `}},` + the fields.
      p = `{"_aws":{"CloudWatchMetrics":${JSON.stringify(directives)},"Timestamp":`;
      this.prefixes.set(k, p);
    }
    return p;
  }
}
