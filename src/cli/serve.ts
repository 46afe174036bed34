import { X509Certificate, randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { BLOB_SUFFIX, DEFAULT_CRL_SUFFIXES } from '../config/names.js';
import { pemBlocks } from '../der/input.js';
import { CrlAuthorizerError, codeOf, messageOf } from '../errors.js';
import { readOcspFlags, type OcspConfig } from '../ocsp/config.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';
import { EXIT, UsageError, asUsage, nonNegativeInt, parse, requireOne } from './args.js';
import { readInput } from './files.js';
import type { Io } from './io.js';
import { localServerCertificate } from './serve-cert.js';
import { watchFolder, type FolderWatch } from './watch.js';
import { DEFAULT_FETCH_SECONDS, sourcesFromFlags, startFetchLoop } from './serve-fetch.js';
import { createHandler } from '../authorizer/handler.js';
import type { AuthorizerContext, PolicyResponse } from '../authorizer/response.js';

export { localServerCertificate };

export interface ServeOptions {
  /** PEM (one or more certificates) or DER: the CAs a client certificate must chain to. */
  truststore: Uint8Array;
  store: ObjectStore;
  /** @default 8443; 0 picks a free port */
  port?: number;
  /** @default '127.0.0.1' */
  host?: string;
  /** Where an allowed request goes; absent = a JSON echo. */
  upstream?: URL;
  /** @default CRL_REVALIDATE_SECONDS, else 0: a conditional GET per request */
  revalidateSeconds?: number;
  /** @default CRL_MAX_STALE_SECONDS, else 300 */
  maxStaleSeconds?: number;
  /** OCSP settings over the environment's (OCSP_MODE, OCSP_URL, ...), as `createHandler({ ocsp })` takes them. */
  ocsp?: Partial<OcspConfig>;
  /** The server certificate; absent = a self-signed localhost certificate in a temp folder, removed by close(). */
  serverCert?: { cert: Uint8Array; key: Uint8Array };
  /** Preprocess CRLs dropped into a folder store (the stand-in for the S3 trigger). */
  watch?: boolean;
  /** Gateway and watcher reports (start-up warnings, handshake refusals, CRLs processed or rejected). */
  log?: (line: string) => void;
  /** One short line per request: method, path, status, code and why. */
  requestLog?: (line: string) => void;
  /** The authorizer's per-decision EMF lines, as the Lambda writes them. Its other lines go to `log`. */
  decisionLog?: (line: string) => void;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  /** What a client trusts for the generated server certificate (for `curl --cacert`), when one was generated. */
  readonly serverCaPath?: string;
  readonly watcher?: FolderWatch;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8443;

/** The message API Gateway sends with a 403 from an authorizer's explicit Deny. */
const DENY_MESSAGE = 'User is not authorized to access this resource with an explicit deny';

/** The address could not be bound (in use, not ours): an environment failure, exit 70, not a usage error. */
export class ListenError extends CrlAuthorizerError {
  constructor(message: string) {
    super('internal', message);
  }
}

export async function serveCommand(args: string[], io: Io, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const flags = readFlags(args);
  const { values } = flags;
  let gateway: Gateway;
  try {
    gateway = await startGateway({
      ...flags.options,
      log: io.err,
      ...(!values.quiet && { requestLog: io.err }),
      ...(values.verbose && { decisionLog: io.err }),
    });
  } catch (e) {
    if (!(e instanceof ListenError)) throw e;
    io.err(`crl-authorizer serve: ${e.message}`);
    return EXIT.internal;
  }
  if (gateway.serverCaPath) {
    io.out(`server certificate generated; its CA is ${gateway.serverCaPath} (curl --cacert ${gateway.serverCaPath})`);
    io.out('(a temp folder, removed when serve stops)');
  }
  if (gateway.watcher) io.out(`watching ${flags.options.store.url} for *.crl and *.crl.pem`);
  const fetching = flags.sources.length > 0 ? startFetchLoop(flags.options.store, flags.sources, Math.max(1, flags.fetchSeconds), io.err) : undefined;
  // Listen for the stop signals before saying we listen: whoever reads that line may send one at once.
  const stopped = stopSignal(opts.signal);
  io.out(`listening on ${gateway.url}`);

  await stopped;
  await fetching?.close();
  await gateway.close();
  io.out('stopped');
  return EXIT.good;
}

const FLAGS = {
  truststore: { type: 'string' },
  store: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  upstream: { type: 'string' },
  watch: { type: 'boolean' },
  'revalidate-seconds': { type: 'string' },
  'max-stale-seconds': { type: 'string' },
  'ocsp-mode': { type: 'string' },
  ocsp: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  quiet: { type: 'boolean' },
  verbose: { type: 'boolean' },
  fetch: { type: 'string', multiple: true },
  'fetch-seconds': { type: 'string' },
} as const;

/** The command line as gateway options; every mistake is a UsageError before anything starts. */
function readFlags(args: string[]) {
  const { values } = parse(args, FLAGS);
  const truststorePath = requireOne(values.truststore, '--truststore');
  const store = storeOf(requireOne(values.store, '--store'));
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
  if (values.watch && !store.url.startsWith('file:')) {
    throw new UsageError('--watch needs a folder store (--store file:///path); S3 has its own trigger');
  }
  const sources = values.fetch ? sourcesFromFlags(values.fetch) : [];
  if (sources.length > 0 && !values.watch) throw new UsageError('--fetch needs --watch (fetched CRLs are preprocessed by the watcher)');
  const fetchSeconds = nonNegativeInt(values['fetch-seconds'], '--fetch-seconds', DEFAULT_FETCH_SECONDS);
  const upstream = upstreamOf(values.upstream);
  const ocsp = ocspOf(values['ocsp-mode'], values.ocsp);
  const port = portOf(values.port);
  const options: ServeOptions = {
    truststore: readInput(truststorePath),
    store,
    port,
    ...(values.host !== undefined && { host: values.host }),
    ...(upstream && { upstream }),
    ...optionalSeconds('revalidateSeconds', values['revalidate-seconds'], '--revalidate-seconds'),
    ...optionalSeconds('maxStaleSeconds', values['max-stale-seconds'], '--max-stale-seconds'),
    ...(ocsp && { ocsp }),
    ...(values.cert !== undefined &&
      values.key !== undefined && { serverCert: { cert: readInput(values.cert), key: readInput(values.key) } }),
    watch: values.watch ?? false,
  };
  return { values, options, sources, fetchSeconds };
}

function storeOf(url: string): ObjectStore {
  try {
    return openStore(url);
  } catch (e) {
    if (codeOf(e) === 'usage') throw new UsageError(`--store: ${messageOf(e)}`);
    throw e;
  }
}

function upstreamOf(text: string | undefined): URL | undefined {
  if (text === undefined) return undefined;
  let upstream: URL;
  try {
    upstream = new URL(text);
  } catch {
    throw new UsageError(`--upstream: not a URL: ${text}`);
  }
  if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
    throw new UsageError('--upstream must be an http:// or https:// URL');
  }
  return upstream;
}

/**
 * --ocsp-mode and --ocsp, read by the authorizer's own OCSP_MODE / OCSP_URL rules (src/ocsp/config.ts) so that the
 * flag and the variable accept the same values; unset flags leave the environment's settings in force.
 */
function ocspOf(mode: string | undefined, url: string | undefined): Partial<OcspConfig> | undefined {
  if (mode === undefined && url === undefined) return undefined;
  return asUsage(() => readOcspFlags({ mode, url }));
}

function optionalSeconds<K extends string>(key: K, text: string | undefined, flag: string): Partial<Record<K, number>> {
  return text === undefined ? {} : ({ [key]: nonNegativeInt(text, flag, 0) } as Record<K, number>);
}

function portOf(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port must be 0..65535, not "${text}"`);
  return port;
}

/** Resolves on SIGINT, SIGTERM or the abort of `signal`, whichever comes first. */
function stopSignal(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    if (signal?.aborted) done();
    else signal?.addEventListener('abort', done, { once: true });
  });
}

/** Starts the mTLS gateway and resolves once it listens. */
export async function startGateway(opts: ServeOptions): Promise<Gateway> {
  const log = opts.log ?? (() => undefined);
  const trusted = trustedPems(opts.truststore);
  const generated = opts.serverCert ? undefined : localServerCertificate();
  const removeGenerated = () => generated?.tempDir && rmSync(generated.tempDir, { recursive: true, force: true });
  try {
    const serverCert = opts.serverCert ?? generated!;
    const authorize = createAuthorizer({ ...opts, log: splitHandlerLog(log, opts.decisionLog) });
    const watcher = opts.watch ? await watchFolder(opts.store, { log }) : undefined;
    const warning = await storeWarning(opts.store, opts.watch ?? false);
    if (warning) log(warning);
    const server = https.createServer(tlsOptions(serverCert, trusted), (req, res) => {
      handle(req, res, { authorize, upstream: opts.upstream, requestLog: opts.requestLog ?? (() => undefined) }).catch((e) => {
        log(`internal error: ${messageOf(e)}`);
        if (!res.headersSent) sendJson(res, 403, { message: DENY_MESSAGE, code: codeOf(e) });
        else res.destroy();
      });
    });
    server.on('tlsClientError', (e, socket) => log(handshakeRefusal(e, socket)));
    const port = await listen(server, opts.port ?? DEFAULT_PORT, opts.host ?? '127.0.0.1').catch(async (e: unknown) => {
      await watcher?.close();
      throw e;
    });
    const host = opts.host ?? '127.0.0.1';
    const close = async () => {
      await watcher?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      removeGenerated();
    };
    const url = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return { url, port, ...(generated && { serverCaPath: generated.caPath }), ...(watcher && { watcher }), close };
  } catch (e) {
    removeGenerated();
    throw e;
  }
}

function tlsOptions(serverCert: { cert: Uint8Array; key: Uint8Array }, trusted: string[]): https.ServerOptions {
  return {
    cert: Buffer.from(serverCert.cert),
    key: Buffer.from(serverCert.key),
    ca: trusted,
    requestCert: true,
    // A missing or foreign client certificate fails the handshake, as it does on API Gateway.
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  };
}

function listen(server: https.Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', (e) => reject(new ListenError(`cannot listen on ${host}:${port}: ${messageOf(e)}`)));
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Why a handshake failed. A client certificate the truststore does not vouch for is refused by node after the
 * TLS handshake itself completed, by destroying the socket, so the error it reports is only "socket hang up";
 * the verification result is on the socket, and that is what an operator needs to read.
 */
export function handshakeRefusal(e: Error, socket: TLSSocket): string {
  const verify = socket.authorizationError;
  if (verify) return `TLS handshake refused: client certificate not trusted by the truststore (${String(verify)})`;
  if ((e as NodeJS.ErrnoException).code === 'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE') {
    return 'TLS handshake refused: the client sent no certificate';
  }
  return `TLS handshake refused: ${messageOf(e)}`;
}

/**
 * A start-up warning when the store has nothing to decide with: every certificate would be denied
 * `index.not-covered`, which looks like a bug to whoever tries serve first. CRLs the watcher is about to
 * preprocess count as something.
 */
async function storeWarning(store: ObjectStore, watching: boolean): Promise<string | undefined> {
  const where = `store ${store.url}`;
  if (store.url.startsWith('file:') && !watching && !existsSync(fileURLToPath(store.url))) {
    return `warning: ${where} does not exist: every client certificate will be denied until blobs are preprocessed into it`;
  }
  let keys: string[];
  try {
    keys = await store.list();
  } catch (e) {
    return `warning: cannot list ${where}: ${messageOf(e)}: requests will be denied while it fails`;
  }
  if (keys.some((k) => k.endsWith(BLOB_SUFFIX))) return undefined;
  if (watching && keys.some((k) => DEFAULT_CRL_SUFFIXES.some((s) => k.endsWith(s)))) return undefined;
  const next = watching ? 'drop a CRL and its <name>.ca.pem into the folder' : 'run crl-authorizer preprocess, or serve --watch';
  return `warning: ${where} holds no blobs (*${BLOB_SUFFIX}): every client certificate will be denied until one is there (${next})`;
}

/** The handler's per-decision EMF lines to `decisions` (if any); its other lines (warnings, errors) to `log`. */
function splitHandlerLog(log: (line: string) => void, decisions: ((line: string) => void) | undefined): (line: string) => void {
  return (line) => {
    if (line.includes('"message":"decision"')) decisions?.(line);
    else log(line);
  };
}

interface HandleContext {
  authorize: Authorize;
  upstream: URL | undefined;
  requestLog: (line: string) => void;
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: HandleContext): Promise<void> {
  const socket = req.socket as TLSSocket;
  const peer = socket.authorized ? socket.getPeerX509Certificate() : undefined;
  if (!peer) {
    // Unreachable with rejectUnauthorized, kept so that a change there can never turn into an Allow.
    sendJson(res, 403, { message: DENY_MESSAGE, code: 'cert.missing' });
    return;
  }
  const event = authorizerEvent(req, peer);
  const result = await ctx.authorize(event);
  ctx.requestLog(requestLine(event, result));
  if (!result.allow) {
    sendJson(res, 403, { message: DENY_MESSAGE, code: result.context.code ?? 'internal' });
    return;
  }
  if (ctx.upstream) {
    proxy(req, res, ctx.upstream, result.principalId, result.context);
    return;
  }
  sendJson(res, 200, {
    message: 'allowed',
    method: req.method,
    path: event.path,
    requestId: event.requestContext.requestId,
    principalId: result.principalId,
    context: result.context,
  });
}

/** `GET /orders/42 -> 403 cert.revoked: <reason> (serial 0A1B, CN=...)`: what a person reads; the EMF line is for machines. */
function requestLine(event: AuthorizerEvent, result: Decision): string {
  const c = result.context;
  const why = c.reason !== undefined ? `: ${String(c.reason)}` : '';
  const who = [c.serial !== undefined && `serial ${String(c.serial)}`, result.principalId].filter(Boolean).join(', ');
  return `${event.httpMethod} ${event.path} -> ${result.allow ? 200 : 403} ${String(c.code ?? '')}${why} (${who})`;
}

/** The REST API REQUEST authorizer event API Gateway sends for a mutual-TLS custom domain. */
export function authorizerEvent(req: IncomingMessage, peer: X509Certificate): AuthorizerEvent {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const method = req.method ?? 'GET';
  const { headers, multiValueHeaders } = headersOf(req);
  const { query, multiQuery } = queryOf(url);
  const requestId = randomUUID();
  const stage = 'local';
  const apiId = 'local';
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:local:000000000000:${apiId}/${stage}/${method}${url.pathname}`,
    resource: url.pathname,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders,
    queryStringParameters: query,
    multiValueQueryStringParameters: multiQuery,
    pathParameters: {},
    stageVariables: {},
    requestContext: {
      path: url.pathname,
      accountId: '000000000000',
      resourceId: 'local',
      stage,
      requestId,
      identity: {
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: req.headers['user-agent'] ?? '',
        clientCert: {
          clientCertPem: peer.toString(),
          subjectDN: rfc4514(peer.subject),
          issuerDN: rfc4514(peer.issuer),
          serialNumber: peer.serialNumber.toLowerCase().replace(/(..)(?=.)/g, '$1:'),
          validity: { notBefore: peer.validFrom, notAfter: peer.validTo },
        },
      },
      resourcePath: url.pathname,
      httpMethod: method,
      apiId,
    },
  };
}

/** Headers as API Gateway passes them: repeated ones joined by commas, and each value in the multi-value map. */
function headersOf(req: IncomingMessage): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!;
    const v = req.rawHeaders[i + 1]!;
    headers[k] = headers[k] === undefined ? v : `${headers[k]},${v}`;
    (multiValueHeaders[k] ??= []).push(v);
  }
  return { headers, multiValueHeaders };
}

/** The query string as API Gateway passes it: the last value of a repeated key, and every value in the multi map. */
function queryOf(url: URL): { query: Record<string, string>; multiQuery: Record<string, string[]> } {
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
  return { query, multiQuery };
}

/** node:crypto prints a name one attribute per line, most significant first; RFC 4514 reverses and joins. */
function rfc4514(multiline: string): string {
  return multiline.split('\n').filter(Boolean).reverse().join(',');
}

function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  principalId: string,
  context: Record<string, string | number | boolean>,
): void {
  const base = upstream.pathname.replace(/\/$/, '');
  const target = new URL(upstream.origin + base + (req.url ?? '/'));
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: target.host };
  for (const hop of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) delete headers[hop];
  headers['x-authorizer-principal-id'] = principalId;
  for (const [k, v] of Object.entries(context)) headers[`x-authorizer-${k.toLowerCase()}`] = String(v);
  const send = target.protocol === 'https:' ? https.request : http.request;
  const out = send(target, { method: req.method, headers }, (upRes) => {
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  out.on('error', (e) => {
    if (!res.headersSent) sendJson(res, 502, { message: `upstream unreachable: ${messageOf(e)}` });
    else res.destroy();
  });
  req.pipe(out);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The truststore as PEM strings, from a PEM bundle or one DER certificate. */
export function trustedPems(bytes: Uint8Array): string[] {
  const blocks = pemBlocks(Buffer.from(bytes).toString('latin1')).filter((b) => b.label === 'CERTIFICATE');
  try {
    if (blocks.length > 0) return blocks.map((b) => new X509Certificate(Buffer.from(b.der)).toString());
    return [new X509Certificate(Buffer.from(bytes)).toString()];
  } catch (e) {
    const what = blocks.length > 0 ? `a CERTIFICATE block is not a certificate (${messageOf(e)})` : 'no PEM certificate and not a DER certificate';
    throw new CrlAuthorizerError('cert.malformed', `truststore: ${what}`);
  }
}

/** The REST API REQUEST authorizer event (AWS's documented shape), as far as serve fills it in. */
export interface AuthorizerEvent {
  type: 'REQUEST';
  methodArn: string;
  resource: string;
  path: string;
  httpMethod: string;
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
  pathParameters: Record<string, string>;
  stageVariables: Record<string, string>;
  requestContext: {
    path: string;
    accountId: string;
    resourceId: string;
    stage: string;
    requestId: string;
    identity: {
      sourceIp: string;
      userAgent: string;
      clientCert: {
        clientCertPem: string;
        subjectDN: string;
        issuerDN: string;
        serialNumber: string;
        validity: { notBefore: string; notAfter: string };
      };
    };
    resourcePath: string;
    httpMethod: string;
    apiId: string;
  };
}

interface Decision {
  allow: boolean;
  principalId: string;
  context: AuthorizerContext;
}

type Authorize = (event: AuthorizerEvent) => Promise<Decision>;

/**
 * The authorizer Lambda's handler, in-process, and API Gateway's reading of the policy it returns. Flags given on
 * the command line override the environment (CRL_REVALIDATE_SECONDS and the rest), which overrides the defaults.
 */
function createAuthorizer(opts: {
  store: ObjectStore;
  revalidateSeconds?: number;
  maxStaleSeconds?: number;
  ocsp?: Partial<OcspConfig>;
  log: (line: string) => void;
}): Authorize {
  // A local gateway confirms on every request unless told otherwise (--revalidate-seconds, CRL_REVALIDATE_SECONDS):
  // a CRL dropped into the folder takes effect on the next request, as the demo shows.
  const revalidateSeconds = opts.revalidateSeconds ?? (process.env.CRL_REVALIDATE_SECONDS ? undefined : 0);
  const handler = createHandler({
    store: opts.store,
    config: {
      response: 'policy',
      ...(revalidateSeconds !== undefined && { revalidateSeconds }),
      // A local gateway answers with a new CRL as soon as the interval has passed: the due request waits.
      ...(revalidateSeconds !== undefined && { freshSeconds: revalidateSeconds }),
      ...(opts.maxStaleSeconds !== undefined && { maxStaleSeconds: opts.maxStaleSeconds }),
    },
    // A CRL for a new CA dropped into the folder should answer within seconds, not the Lambda's minute;
    // listing a local folder is cheap.
    relistSeconds: Math.max(1, revalidateSeconds ?? 0),
    logSink: opts.log,
    ...(opts.ocsp && { ocsp: opts.ocsp }),
  });
  return async (event) => {
    const response = (await handler(event)) as PolicyResponse;
    return {
      allow: allows(response, event.methodArn),
      principalId: response.principalId,
      context: response.context ?? {},
    };
  };
}

/** Whether an IAM policy allows invoking `arn`: an Allow statement matches it and no Deny statement does. */
export function allows(response: PolicyResponse | undefined, arn: string): boolean {
  const statements = response?.policyDocument?.Statement ?? [];
  const matching = statements.filter(
    (s) => s.Action === 'execute-api:Invoke' && [s.Resource].flat().some((r) => arnMatches(r, arn)),
  );
  return matching.some((s) => s.Effect === 'Allow') && !matching.some((s) => s.Effect === 'Deny');
}

function arnMatches(pattern: string, arn: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(arn);
}
