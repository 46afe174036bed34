import { codeOf, CrlAuthorizerError, messageOf, type Code } from '../errors.js';
import { indexTimes, type Verdict } from '../lookup/decide.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';
import type { CertFacts } from '../x509/cert.js';
import { BLOB_SUFFIX, IndexCache } from './cache.js';
import { CertCache, DEFAULT_CERT_CACHE_ENTRIES } from './cert-cache.js';
import { readConfig, type AuthorizerConfig, type Env } from './config.js';
import { certificatePem, readRequest, type AuthorizerRequest } from './event.js';
import { Logger, Metrics, stdoutSink, type LogSink } from './log.js';
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
  /** Where log lines go (one JSON document per call, no newline). @default process.stdout */
  logSink?: LogSink;
  /** @default 'CrlAuthorizer' */
  metricsNamespace?: string;
  /** The `service` field and metric dimension. @default 'crl-authorizer' */
  service?: string;
  /** Without CRL_CACHE_KEYS, re-list the prefix at most this often. @default 60 */
  relistSeconds?: number;
  /** Certificates whose parsed facts are kept for repeat clients; 0 parses every request. @default 256 */
  certCacheEntries?: number;
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
}

/** Unknown principal: no certificate, or one without a subject. */
export const UNKNOWN_PRINCIPAL = 'unknown';

/**
 * Builds an API Gateway REQUEST authorizer. Configuration is read once, on the first invocation (so importing
 * the module has no side effects); an invalid configuration is logged and every request denies with `usage`.
 * The handler never throws: every failure is a Deny with a code.
 */
export function createHandler(options: HandlerOptions = {}): AuthorizerHandler {
  const clock = options.clock ?? Date.now;
  const service = options.service ?? 'crl-authorizer';
  const log = new Logger(options.logSink ?? stdoutSink, service, clock);
  const metrics = new Metrics(options.metricsNamespace ?? 'CrlAuthorizer', service);
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
    const cache = new IndexCache({
      store,
      keys: config.cacheKeys,
      revalidateSeconds: config.revalidateSeconds,
      freshSeconds: config.freshSeconds,
      maxStaleSeconds: config.maxStaleSeconds,
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
    return { config, cache };
  }

  async function handle(event: unknown, context?: InvocationContext): Promise<AuthorizerResponse> {
    const started = performance.now();
    const now = clock();
    let request: AuthorizerRequest | undefined;
    let cert: CertFacts | undefined;
    let verdict: Verdict | undefined;
    let code: Code;
    let reason: string;
    let allow = false;
    let extra: AuthorizerContext | undefined;
    let state: Ready | undefined;
    try {
      if (!ready && configError === undefined) {
        try {
          ready = init();
        } catch (e) {
          configError = e;
        }
      }
      if (configError !== undefined) throw configError;
      state = ready!;
      request = readRequest(event);
      if (request.resource === undefined) {
        const field = request.shape === 'http-2.0' ? 'routeArn' : 'methodArn';
        throw new CrlAuthorizerError('event.malformed', `event: no ${field}`);
      }
      cert = certs.facts(certificatePem(request.pem));
      const pending = state.cache.refresh(now);
      if (pending) await pending;
      verdict = state.cache.verdict(cert, now, state.config.graceSeconds);
      code = verdict.code;
      reason = verdict.reason;
      allow = verdict.status === 'good';
      if (options.hook) {
        const hooked = await runHook(options.hook, { cert, verdict, event, at: new Date(now) });
        extra = hooked.context;
        if (hooked.deny !== undefined && allow) {
          allow = false;
          code = 'hook.denied';
          reason = hooked.deny;
        }
      }
    } catch (e) {
      allow = false;
      code = codeOf(e);
      reason = messageOf(e);
      if (e === configError) log.error('configuration invalid: denying every request', { code, reason });
      else if (code === 'internal') log.error('unexpected error', { reason, stack: (e as Error)?.stack ?? null });
    }

    const index = verdict?.index;
    const meta = index?.meta;
    const times = index && indexTimes(index);
    const ctx: AuthorizerContext = {
      ...extra,
      status: verdict?.status ?? 'unknown',
      code,
      serial: cert?.serialText ?? '',
      issuer: cert?.issuerText ?? '',
      crlNumber: meta?.crlNumber ?? '',
    };
    const response =
      request?.shape === 'http-2.0' && state?.config.response === 'simple'
        ? simpleResponse(allow, ctx)
        : policyResponse(allow, cert?.subjectText || UNKNOWN_PRINCIPAL, request?.resource, ctx);

    const latencyUs = Math.round((performance.now() - started) * 1000);
    log.emit(
      metrics.decisionLine(now, {
        decision: allow ? 'Allow' : 'Deny',
        code,
        status: ctx.status as string,
        reason: allow ? undefined : reason,
        serial: cert?.serialText,
        issuer: cert?.issuerText,
        crlNumber: meta?.crlNumber ?? undefined,
        indexAgeSeconds: index && state ? state.cache.ageSeconds(index, now) : undefined,
        crlAgeSeconds: times ? Math.max(0, Math.round((now - times.thisUpdateMs) / 1000)) : undefined,
        secondsToNextUpdate:
          times && times.nextUpdateMs !== Infinity ? Math.round((times.nextUpdateMs - now) / 1000) : undefined,
        latencyUs,
        requestId: request?.requestId ?? context?.awsRequestId,
        shape: request?.shape,
      }),
    );
    return response;
  }

  Object.defineProperty(handle, 'cache', { get: () => ready?.cache });
  (handle as { prepare?: AuthorizerHandler['prepare'] }).prepare = async (deadlineMs) => {
    if (!ready && configError === undefined) {
      try {
        ready = init();
      } catch (e) {
        configError = e;
        return;
      }
    }
    ready?.cache.refresh(clock());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([ready?.cache.settled(), deadline]);
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

/** Keeps only what API Gateway accepts as a context value: strings, finite numbers, booleans. */
function contextValues(c: Record<string, unknown>): AuthorizerContext {
  const out: AuthorizerContext = {};
  for (const [k, v] of Object.entries(c)) {
    if (typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  }
  return out;
}

function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === 'function';
}
