import { AUTHORIZER_SERVICE, METRIC, METRIC_NAMESPACE } from '../config/names.js';
import { codeOf, CrlAuthorizerError, messageOf, type Code } from '../errors.js';
import { allows, askSources, isThenable, type Asked, type DecisionRule, type Verdict } from '../lookup/decide.js';
import { DenylistSource } from '../denylist/source.js';
import { readOcspConfig, type OcspConfig } from '../ocsp/config.js';
import { issuersFromStore, lazySource, OcspStage, RememberedSource } from '../ocsp/stage.js';
import type { RevocationSource, SourceAnswer } from '../sources/types.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';
import type { CertFacts } from '../x509/cert.js';
import { BLOB_SUFFIX, IndexCache } from './cache.js';
import { CertCache, DEFAULT_CERT_CACHE_ENTRIES } from './cert-cache.js';
import { readConfig, type AuthorizerConfig, type Env } from './config.js';
import { certificatePem, readRequest, type AuthorizerRequest } from './event.js';
import { Logger, Metrics, stdoutSink, type DecisionFields, type LogSink } from './log.js';
import { deferredStdoutSink } from './stdout.js';
import {
  policyResponse,
  simpleResponse,
  type AuthorizerContext,
  type AuthorizerResponse,
  type ContextValue,
} from './response.js';

/** What a custom authorization hook sees: the certificate, the revocation verdict, and the raw event. */
export interface HookFacts {
  /** Shared with later requests of the same client: read-only (frozen). */
  cert: Readonly<CertFacts>;
  verdict: Verdict;
  event: unknown;
  /** The decision time (the handler's clock), so a hook needs no clock of its own. */
  at: Date;
}

/**
 * A hook's answer. `deny: true` or a reason string turns an Allow into a Deny (`hook.denied`); it can never turn a
 * Deny into an Allow. `context` entries are added to the response context (the five keys the authorizer writes
 * itself are not overwritten).
 */
export interface HookResult {
  deny?: boolean | string;
  context?: Record<string, ContextValue>;
}

/** Called for every request whose certificate could be read. A hook that throws (or rejects) denies. */
export type AuthorizationHook = (facts: HookFacts) => HookResult | void | Promise<HookResult | void>;

export interface HandlerOptions {
  /** Overrides the environment (precedence: these, then the environment, then the defaults). */
  config?: Partial<AuthorizerConfig>;
  /** @default process.env */
  env?: Env;
  /** A ready store instead of the one CRL_STORE_URL names. */
  store?: ObjectStore;
  hook?: AuthorizationHook;
  /** Milliseconds since the epoch. The one clock: every time on the request path comes from here. @default Date.now */
  clock?: () => number;
  /** Where log lines go (one JSON document per call, no newline). @default process.stdout (decision lines after the response: stdout.ts) */
  logSink?: LogSink;
  /** @default 'CrlAuthorizer' */
  metricsNamespace?: string;
  /** The `service` field and metric dimension. @default 'crl-authorizer' */
  service?: string;
  /** Without CRL_CACHE_KEYS, re-list the prefix at most this often. @default 60 */
  relistSeconds?: number;
  /** Certificates whose parsed facts are kept for repeat clients; 0 parses every request. @default 256 */
  certCacheEntries?: number;
  /** OCSP settings over the environment's (OCSP_MODE, OCSP_TIMEOUT_MS, OCSP_URL, OCSP_ISSUER_CERTS). */
  ocsp?: Partial<OcspConfig>;
}

/** The Lambda context fields the handler reads. */
export interface InvocationContext {
  awsRequestId?: string;
}

export interface AuthorizerHandler {
  (event: unknown, context?: InvocationContext): Promise<AuthorizerResponse>;
  /** The warm cache, once the first invocation has built it (inspection and tests). */
  readonly cache: IndexCache | undefined;
  /**
   * Reads the configuration and starts loading every blob now, before any request (module import, Lambda INIT).
   * Settles when the first round has, or after `deadlineMs`; never rejects: the first request retries.
   */
  prepare(deadlineMs: number): Promise<void>;
}

interface Ready {
  config: AuthorizerConfig;
  cache: IndexCache;
  /** Asked in order for every certificate; `verdictOf` combines their answers. */
  sources: readonly RevocationSource[];
  /** OCSP_MODE's rule for `verdictOf` (require: OCSP must say good). */
  rule?: DecisionRule;
  /** OCSP, when OCSP_MODE is not off. */
  ocsp?: OcspStage;
}

/** Everything one request produced, whether or not it got as far as a verdict. */
interface Outcome {
  request?: AuthorizerRequest;
  cert?: CertFacts;
  verdict?: Verdict;
  code: Code;
  reason: string;
  allow: boolean;
  /** Context entries from the hook. */
  extra?: AuthorizerContext;
  state?: Ready;
}

/** Unknown principal: no certificate, or one without a subject. */
export const UNKNOWN_PRINCIPAL = 'unknown';

/**
 * Builds an API Gateway REQUEST authorizer. Configuration is read once, on the first invocation (so importing
 * the module has no side effects); an invalid configuration is logged and every request denies with `usage`.
 * The handler never throws: every failure is a Deny with a code.
 *
 * One request: read the event and the certificate, ask the sources, apply the hook (`authorize`); build the
 * response (`respond`); write the decision line (`decisionLine`).
 */
export function createHandler(options: HandlerOptions = {}): AuthorizerHandler {
  const clock = options.clock ?? Date.now;
  const service = options.service ?? AUTHORIZER_SERVICE;
  const log = new Logger(options.logSink ?? stdoutSink, service, clock);
  // The decision line, the one written on every request, is made and written to stdout after the response
  // (stdout.ts); a sink given in the options gets it at once.
  const deferred = options.logSink ? undefined : deferredStdoutSink();
  const emitDecision = (make: () => string): void => (deferred ? deferred(make) : log.emit(make()));
  const metrics = new Metrics(options.metricsNamespace ?? METRIC_NAMESPACE, service);
  const certs = new CertCache(options.certCacheEntries ?? DEFAULT_CERT_CACHE_ENTRIES);
  let ready: Ready | undefined;
  let configError: unknown;

  function init(): Ready {
    const config = readConfig(options.env ?? process.env, options.config);
    if (!options.store && !config.storeUrl) {
      throw new CrlAuthorizerError('usage', 'CRL_STORE_URL is required (s3://bucket/prefix or file:///path)');
    }
    // No SDK retries: a failed call waits for the next round (with backoff when throttled), never inside a request.
    const store =
      options.store ?? openStore(config.storeUrl!, { timeoutMs: config.storeTimeoutMs, clientConfig: { maxAttempts: 1 } });
    const denylist = new DenylistSource(store, config.denylistKey);
    const cache = new IndexCache({
      store,
      alsoRevalidate: () => refreshDenylist(denylist),
      keys: config.cacheKeys,
      revalidateSeconds: config.revalidateSeconds,
      freshSeconds: config.freshSeconds,
      maxStaleSeconds: config.maxStaleSeconds,
      graceSeconds: config.graceSeconds,
      relistSeconds: options.relistSeconds,
      storeTimeoutMs: config.storeTimeoutMs,
      fetch: { partBytes: config.rangeBytes, concurrency: config.rangeConcurrency, loadTimeoutMs: config.loadTimeoutMs },
      log,
      metrics,
    });
    log.info('authorizer configured', {
      store: store.url,
      cacheKeys: config.cacheKeys?.join(',') ?? `*${BLOB_SUFFIX} (listed)`,
      revalidateSeconds: config.revalidateSeconds,
      maxStaleSeconds: config.maxStaleSeconds,
      graceSeconds: config.graceSeconds,
      storeTimeoutMs: config.storeTimeoutMs,
      response: config.response,
    });
    // The denylist first: a match denies whatever the other sources say (DESIGN.md "Denylist").
    const oc = readOcspConfig(options.env ?? process.env, options.ocsp);
    if (oc.mode === 'off') return { config, cache, sources: [denylist, cache] };
    log.info('OCSP configured', { ocspMode: oc.mode, ocspTimeoutMs: oc.timeoutMs, ocspUrl: oc.url ?? '(from each certificate)' });
    // OCSP first, so that its good decides in prefer/require; it reads the CRL's answer to know whether it is needed.
    const crl = new RememberedSource(cache);
    const ocsp = new OcspStage(
      oc.mode,
      crl,
      lazySource(async () => ({
        issuers: await issuersFromStore(store, oc.issuerKeys),
        ...(oc.url && { responderUrl: oc.url }),
        timeoutMs: oc.timeoutMs,
        graceSeconds: config.graceSeconds,
      })),
    );
    return { config, cache, sources: [denylist, ocsp, crl], rule: ocsp.rule, ocsp };
  }

  /**
   * One denylist refresh in a revalidation round. A denylist that does not parse (or cannot be read) keeps the
   * last good one and writes the `DenylistRefreshFailed` metric (the alarm is on it).
   */
  async function refreshDenylist(denylist: DenylistSource): Promise<void> {
    const r = await denylist.refresh();
    if (r.status === 'loaded') log.info('denylist loaded', { key: denylist.key, entries: r.entries, etag: r.etag });
    if (r.status !== 'kept') return;
    log.error('denylist refresh failed: keeping the last good one', { key: denylist.key, code: r.code, reason: r.reason, entries: denylist.size });
    log.emit(metrics.countLine(clock(), METRIC.denylistRefreshFailed, { message: 'denylist refresh failed', code: r.code }));
  }

  /** Reads the configuration once; a bad one is kept as `configError` and fails every request after. */
  function initOnce(): void {
    if (ready || configError !== undefined) return;
    try {
      ready = init();
    } catch (e) {
      configError = e;
    }
  }

  /** The configured state, or the configuration's error thrown. */
  function configured(): Ready {
    initOnce();
    if (configError !== undefined) throw configError;
    return ready!;
  }

  /**
   * Reads the request and asks the sources. While nothing needs to wait (no round the request must await, every
   * source answering from memory, no hook) it returns the outcome itself, not a promise: a warm request then runs
   * without a promise or a microtask turn of its own (issue #11's tail is the code a request touches after an idle gap).
   */
  function authorize(event: unknown, now: number): Outcome | Promise<Outcome> {
    const o: Outcome = { code: 'internal', reason: '', allow: false };
    try {
      const state = (o.state = configured());
      const request = (o.request = readRequest(event));
      if (request.resource === undefined) {
        const field = request.shape === 'http-2.0' ? 'routeArn' : 'methodArn';
        throw new CrlAuthorizerError('event.malformed', `event: no ${field}`);
      }
      const cert = (o.cert = certs.facts(certificatePem(request.pem)));
      const pending = state.cache.refresh(now);
      if (pending || options.hook) return decideLater(o, state, cert, event, now, pending);
      const asked = askSources(state.sources, cert, new Date(now), state.rule);
      if (isThenable(asked)) return decideLater(o, state, cert, event, now, undefined, asked);
      decided(o, asked.verdict);
    } catch (e) {
      failed(o, e);
    }
    return o;
  }

  /** The rest of `authorize` for a request that waits: for a round, for a source that answers later, or for the hook. */
  async function decideLater(
    o: Outcome,
    state: Ready,
    cert: CertFacts,
    event: unknown,
    now: number,
    pending: Promise<unknown> | undefined,
    asking?: Promise<Asked>,
  ): Promise<Outcome> {
    try {
      if (pending) await pending;
      const asked = asking ?? askSources(state.sources, cert, new Date(now), state.rule);
      decided(o, (isThenable(asked) ? await asked : asked).verdict);
      if (options.hook) {
        const hooked = await runHook(options.hook, { cert, verdict: o.verdict!, event, at: new Date(now) });
        o.extra = hooked.context;
        if (hooked.deny !== undefined && o.allow) {
          o.allow = false;
          o.code = 'hook.denied';
          o.reason = hooked.deny;
        }
      }
    } catch (e) {
      failed(o, e);
    }
    return o;
  }

  function decided(o: Outcome, verdict: Verdict): void {
    o.verdict = verdict;
    o.code = verdict.code;
    o.reason = verdict.reason;
    o.allow = allows(verdict);
  }

  function failed(o: Outcome, e: unknown): void {
    o.allow = false;
    o.code = codeOf(e);
    o.reason = messageOf(e);
    if (e === configError) log.error('configuration invalid: denying every request', { code: o.code, reason: o.reason });
    else if (o.code === 'internal') log.error('unexpected error', { reason: o.reason, stack: (e as Error)?.stack ?? null });
  }

  function handle(event: unknown, context?: InvocationContext): Promise<AuthorizerResponse> {
    const started = performance.now();
    const now = clock();
    try {
      const o = authorize(event, now);
      return isThenable(o)
        ? o.then((waited) => finish(waited, started, now, context))
        : Promise.resolve(finish(o, started, now, context));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** The response, and the decision line queued. */
  function finish(o: Outcome, started: number, now: number, context: InvocationContext | undefined): AuthorizerResponse {
    const ctx: AuthorizerContext = {
      ...o.extra,
      status: o.verdict?.status ?? 'unknown',
      code: o.code,
      serial: o.cert?.serialText ?? '',
      issuer: o.cert?.issuerText ?? '',
      crlNumber: o.verdict?.summary?.crlNumber ?? '',
    };
    const response = respond(o, ctx);
    const latencyUs = Math.round((performance.now() - started) * 1000);
    // What OCSP's cache held is read now; the rest of the line is made from this request's own objects.
    const ocsp = o.state?.ocsp?.consulted(o.cert, now);
    emitDecision(() => metrics.decisionLine(now, decisionFields(o, ctx, now, latencyUs, context, ocsp)));
    return response;
  }

  Object.defineProperty(handle, 'cache', { get: () => ready?.cache });
  (handle as { prepare?: AuthorizerHandler['prepare'] }).prepare = async (deadlineMs) => {
    initOnce();
    if (!ready) return; // a bad configuration: the first request logs it and denies
    ready.cache.refresh(clock());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([ready.cache.settled(), deadline]);
    clearTimeout(timer);
  };
  return handle as AuthorizerHandler;

  async function runHook(hook: AuthorizationHook, facts: HookFacts): Promise<{ deny?: string; context?: AuthorizerContext }> {
    let result: HookResult | void;
    try {
      const r = hook(facts);
      result = isThenable(r) ? await r : r;
    } catch (e) {
      log.error('authorization hook failed: denying', { reason: messageOf(e) });
      return { deny: `authorization hook failed: ${messageOf(e)}` };
    }
    if (!result) return {};
    const deny =
      result.deny === true || (typeof result.deny === 'string' && result.deny !== '')
        ? typeof result.deny === 'string'
          ? result.deny
          : 'denied by the authorization hook'
        : undefined;
    return { deny, context: result.context ? contextValues(result.context) : undefined };
  }
}

function respond(o: Outcome, ctx: AuthorizerContext): AuthorizerResponse {
  return o.request?.shape === 'http-2.0' && o.state?.config.response === 'simple'
    ? simpleResponse(o.allow, ctx)
    : policyResponse(o.allow, o.cert?.subjectText || UNKNOWN_PRINCIPAL, o.request?.resource, ctx);
}

/** The decision line's fields; what answered is described by the source's summary, whatever the source. */
function decisionFields(
  o: Outcome,
  ctx: AuthorizerContext,
  now: number,
  latencyUs: number,
  context: InvocationContext | undefined,
  ocsp: SourceAnswer | undefined,
): DecisionFields {
  const summary = o.verdict?.summary;
  const thisUpdateMs = summary?.thisUpdate === undefined ? undefined : Date.parse(summary.thisUpdate);
  const nextUpdateMs = summary?.nextUpdate === undefined ? undefined : Date.parse(summary.nextUpdate);
  return {
    decision: o.allow ? 'Allow' : 'Deny',
    code: o.code,
    status: ctx.status as string,
    reason: o.allow ? undefined : o.reason,
    serial: o.cert?.serialText,
    issuer: o.cert?.issuerText,
    crlNumber: summary?.crlNumber,
    indexAgeSeconds: summary?.ageSeconds,
    crlAgeSeconds: thisUpdateMs === undefined ? undefined : Math.max(0, Math.round((now - thisUpdateMs) / 1000)),
    secondsToNextUpdate: nextUpdateMs === undefined ? undefined : Math.round((nextUpdateMs - now) / 1000),
    latencyUs,
    requestId: o.request?.requestId ?? context?.awsRequestId,
    shape: o.request?.shape,
    ...(summary?.source && { source: summary.source }),
    ...(ocsp && ocspFields(ocsp)),
  };
}

/** OCSP's part of the decision line: whether the cache answered, and the responder's latency when it was asked. */
function ocspFields(a: SourceAnswer): Pick<DecisionFields, 'ocspCode' | 'ocspCache' | 'ocspLatencyMs'> {
  const d = a.summary?.detail;
  const cache = d?.cache === 'hit' ? 'hit' : 'miss';
  return {
    ocspCode: a.code,
    ocspCache: cache,
    ...(typeof d?.latencyMs === 'number' && { ocspLatencyMs: d.latencyMs }),
  };
}

/** Keeps only what API Gateway accepts as a context value: strings, finite numbers, booleans. */
function contextValues(c: Record<string, unknown>): AuthorizerContext {
  const out: AuthorizerContext = {};
  for (const [k, v] of Object.entries(c)) {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  }
  return out;
}
