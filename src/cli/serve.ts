import { X509Certificate, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { CrlAuthorizerError, codeOf, messageOf } from '../errors.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';
import { makeCa, makeLeaf } from '../testpki/cert.js';
import { toPem } from '../testpki/pem.js';
import { EXIT, UsageError, nonNegativeInt, parse, requireOne } from './args.js';
import { readInput } from './files.js';
import type { Io } from './io.js';
import { watchFolder, type FolderWatch } from './watch.js';
import { DEFAULT_FETCH_SECONDS, sourcesFromFlags, startFetchLoop } from './serve-fetch.js';
import { createHandler } from '../authorizer/handler.js';
import type { AuthorizerContext, PolicyResponse } from '../authorizer/response.js';

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
  /** The server certificate; absent = a fresh local CA and a localhost certificate written to a temp folder. */
  serverCert?: { cert: Uint8Array; key: Uint8Array };
  /** Preprocess CRLs dropped into a folder store (the stand-in for the S3 trigger). */
  watch?: boolean;
  /** Gateway and watcher reports (handshake refusals, CRLs processed or rejected). */
  log?: (line: string) => void;
  /** The authorizer's own structured JSON lines: one per decision, as the Lambda writes them. */
  decisionLog?: (line: string) => void;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  /** The CA of the generated server certificate (for `curl --cacert`), when one was generated. */
  readonly serverCaPath?: string;
  readonly watcher?: FolderWatch;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8443;

/** The message API Gateway sends with a 403 from an authorizer's explicit Deny. */
const DENY_MESSAGE = 'User is not authorized to access this resource with an explicit deny';

export async function serveCommand(args: string[], io: Io, opts: { signal?: AbortSignal } = {}): Promise<number> {
  const { values, positionals } = parse(args, {
    truststore: { type: 'string' },
    store: { type: 'string' },
    port: { type: 'string' },
    host: { type: 'string' },
    upstream: { type: 'string' },
    watch: { type: 'boolean' },
    'revalidate-seconds': { type: 'string' },
    'max-stale-seconds': { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    quiet: { type: 'boolean' },
    fetch: { type: 'string', multiple: true },
    'fetch-seconds': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const truststorePath = requireOne(values.truststore, '--truststore');
  const storeUrl = requireOne(values.store, '--store');
  const port = portOf(values.port);
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError('--cert and --key go together');
  let upstream: URL | undefined;
  if (values.upstream !== undefined) {
    try {
      upstream = new URL(values.upstream);
    } catch {
      throw new UsageError(`--upstream: not a URL: ${values.upstream}`);
    }
    if (upstream.protocol !== 'http:' && upstream.protocol !== 'https:') {
      throw new UsageError('--upstream must be an http:// or https:// URL');
    }
  }
  let store: ObjectStore;
  try {
    store = openStore(storeUrl);
  } catch (e) {
    if (codeOf(e) === 'usage') throw new UsageError(`--store: ${messageOf(e)}`);
    throw e;
  }
  if (values.watch && !store.url.startsWith('file:')) {
    throw new UsageError('--watch needs a folder store (--store file:///path); S3 has its own trigger');
  }
  const sources = values.fetch ? sourcesFromFlags(values.fetch) : [];
  if (sources.length > 0 && !values.watch) throw new UsageError('--fetch needs --watch (fetched CRLs are preprocessed by the watcher)');
  const fetchSeconds = nonNegativeInt(values['fetch-seconds'], '--fetch-seconds', DEFAULT_FETCH_SECONDS);

  const gateway = await startGateway({
    truststore: readInput(truststorePath),
    store,
    port,
    ...(values.host !== undefined && { host: values.host }),
    ...(upstream && { upstream }),
    ...optionalSeconds('revalidateSeconds', values['revalidate-seconds'], '--revalidate-seconds'),
    ...optionalSeconds('maxStaleSeconds', values['max-stale-seconds'], '--max-stale-seconds'),
    ...(values.cert !== undefined &&
      values.key !== undefined && { serverCert: { cert: readInput(values.cert), key: readInput(values.key) } }),
    watch: values.watch ?? false,
    log: io.err,
    ...(!values.quiet && { decisionLog: io.err }),
  });
  if (gateway.serverCaPath) {
    io.out(`server certificate generated; its CA is ${gateway.serverCaPath} (curl --cacert ${gateway.serverCaPath})`);
  }
  if (gateway.watcher) io.out(`watching ${store.url} for *.crl and *.crl.pem`);
  const fetching = sources.length > 0 ? startFetchLoop(store, sources, Math.max(1, fetchSeconds), io.err) : undefined;
  // Listen for the stop signals before saying we listen: whoever reads that line may send one at once.
  const stopped = stopSignal(opts.signal);
  io.out(`listening on ${gateway.url}`);

  await stopped;
  await fetching?.close();
  await gateway.close();
  io.out('stopped');
  return EXIT.good;
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
  const serverCert = opts.serverCert ?? generated!;
  const authorize = createAuthorizer({
    store: opts.store,
    ...(opts.revalidateSeconds !== undefined && { revalidateSeconds: opts.revalidateSeconds }),
    ...(opts.maxStaleSeconds !== undefined && { maxStaleSeconds: opts.maxStaleSeconds }),
    log: opts.decisionLog ?? (() => undefined),
  });

  const watcher = opts.watch ? await watchFolder(opts.store, { log }) : undefined;
  const host = opts.host ?? '127.0.0.1';
  const server = https.createServer(
    {
      cert: Buffer.from(serverCert.cert),
      key: Buffer.from(serverCert.key),
      ca: trusted,
      requestCert: true,
      // A missing or foreign client certificate fails the handshake, as it does on API Gateway.
      rejectUnauthorized: true,
      minVersion: 'TLSv1.2',
    },
    (req, res) => {
      handle(req, res, { authorize, upstream: opts.upstream }).catch((e) => {
        log(`internal error: ${messageOf(e)}`);
        if (!res.headersSent) sendJson(res, 403, { message: DENY_MESSAGE, code: codeOf(e) });
        else res.destroy();
      });
    },
  );
  server.on('tlsClientError', (e) => log(`TLS handshake refused: ${messageOf(e)}`));

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? DEFAULT_PORT, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await watcher?.close();
    throw new CrlAuthorizerError('usage', `cannot listen on ${host}:${opts.port ?? DEFAULT_PORT}: ${messageOf(e)}`);
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `https://${urlHost}:${port}`,
    port,
    ...(generated && { serverCaPath: generated.caPath }),
    ...(watcher && { watcher }),
    close: async () => {
      await watcher?.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

interface HandleContext {
  authorize: Authorize;
  upstream: URL | undefined;
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

/** The REST API REQUEST authorizer event API Gateway sends for a mutual-TLS custom domain. */
export function authorizerEvent(req: IncomingMessage, peer: X509Certificate): AuthorizerEvent {
  const url = new URL(req.url ?? '/', 'https://localhost');
  const method = req.method ?? 'GET';
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i]!;
    const v = req.rawHeaders[i + 1]!;
    headers[k] = headers[k] === undefined ? v : `${headers[k]},${v}`;
    (multiValueHeaders[k] ??= []).push(v);
  }
  const query: Record<string, string> = {};
  const multiQuery: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) {
    query[k] = v;
    (multiQuery[k] ??= []).push(v);
  }
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

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** The truststore as PEM strings, from a PEM bundle or one DER certificate. */
export function trustedPems(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes).toString('latin1');
  const blocks = text.match(PEM_CERT);
  if (blocks && blocks.length > 0) return blocks;
  try {
    return [new X509Certificate(Buffer.from(bytes)).toString()];
  } catch {
    throw new CrlAuthorizerError('cert.malformed', 'truststore: no PEM certificate and not a DER certificate');
  }
}

/**
 * A throwaway CA and a certificate for localhost and 127.0.0.1 signed by it, written to a fresh temp folder so
 * that curl can trust the CA with --cacert. A CA rather than a self-signed leaf, because OpenSSL and node each
 * have their own opinion of a self-signed end-entity certificate as a trust anchor.
 */
export function localServerCertificate(dir?: string): { cert: Uint8Array; key: Uint8Array; caPath: string } {
  const ca = makeCa({ name: 'CN=crl-authorizer serve local CA' });
  const leaf = makeLeaf(ca, {
    subject: 'CN=localhost',
    subjectAltNames: [{ dns: 'localhost' }, { der: Uint8Array.of(0x87, 4, 127, 0, 0, 1) }],
  });
  const keyPem = leaf.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const folder = dir ?? mkdtempSync(join(tmpdir(), 'crl-authorizer-serve-'));
  mkdirSync(folder, { recursive: true });
  const caPath = join(folder, 'server-ca.pem');
  writeFileSync(caPath, toPem(ca.der, 'CERTIFICATE'));
  writeFileSync(join(folder, 'server.pem'), leaf.pem);
  writeFileSync(join(folder, 'server.key'), keyPem, { mode: 0o600 });
  return { cert: Buffer.from(leaf.pem), key: Buffer.from(keyPem), caPath };
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
