import { createHash } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { localServerCertificate } from '../../src/cli/serve.js';

/** What one path answers. `bytes` is served with a strong ETag of its hash and honours If-None-Match. */
export type Route =
  | { bytes: Uint8Array; lastModified?: string; noEtag?: boolean }
  | { status: number }
  | { redirect: string; status?: number }
  /** Headers sent, then nothing until the client gives up. */
  | { hang: true }
  /** A body of this many bytes, with or without a Content-Length. */
  | { size: number; chunked?: boolean };

export interface CrlServer {
  /** `http://127.0.0.1:port` and `https://127.0.0.1:port` (the same routes on both). */
  http: string;
  https: string;
  /** PEM of the CA that signed the https server's certificate. */
  tlsCa: Buffer;
  routes: Map<string, Route>;
  /** Requests seen: method, path, and the conditional headers sent. */
  seen: { path: string; ifNoneMatch?: string; ifModifiedSince?: string }[];
  stop(): Promise<void>;
}

/** A real HTTP and HTTPS server on 127.0.0.1 playing a CA's CRL distribution point, and its failure modes. */
export async function startCrlServer(): Promise<CrlServer> {
  const routes = new Map<string, Route>();
  const seen: CrlServer['seen'] = [];
  const hanging = new Set<ServerResponse>();
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const inm = req.headers['if-none-match'];
    const ims = req.headers['if-modified-since'];
    seen.push({ path, ...(inm && { ifNoneMatch: inm }), ...(ims && { ifModifiedSince: ims }) });
    const route = routes.get(path);
    if (!route) return void res.writeHead(404).end();
    if ('status' in route && !('redirect' in route)) return void res.writeHead(route.status).end('error');
    if ('redirect' in route) return void res.writeHead(route.status ?? 302, { location: route.redirect }).end();
    if ('hang' in route) {
      res.writeHead(200, { 'content-type': 'application/pkix-crl' });
      res.write(Buffer.alloc(10));
      hanging.add(res);
      return;
    }
    if ('size' in route) {
      const body = Buffer.alloc(route.size, 0x30);
      res.writeHead(200, route.chunked ? {} : { 'content-length': String(route.size) });
      return void res.end(body);
    }
    const etag = `"${createHash('sha256').update(route.bytes).digest('hex').slice(0, 16)}"`;
    const headers: Record<string, string> = { 'content-type': 'application/pkix-crl' };
    if (!route.noEtag) headers.etag = etag;
    if (route.lastModified) headers['last-modified'] = route.lastModified;
    if ((!route.noEtag && inm === etag) || (route.noEtag && route.lastModified && ims === route.lastModified)) {
      return void res.writeHead(304, headers).end();
    }
    res.writeHead(200, headers).end(Buffer.from(route.bytes));
  };
  const tls = localServerCertificate();
  const http = createHttp(serve);
  const https = createHttps({ cert: Buffer.from(tls.cert), key: Buffer.from(tls.key) }, serve);
  const listen = (s: Server) =>
    new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)));
  const [hp, sp] = [await listen(http), await listen(https)];
  return {
    http: `http://127.0.0.1:${hp}`,
    https: `https://127.0.0.1:${sp}`,
    tlsCa: readFileSync(tls.caPath),
    routes,
    seen,
    async stop() {
      for (const r of hanging) r.destroy();
      for (const s of [http, https]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
      rmSync(dirname(tls.caPath), { recursive: true, force: true });
    },
  };
}
