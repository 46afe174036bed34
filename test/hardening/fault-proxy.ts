import { request, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does to the next requests (GET and HEAD of objects; listings pass unless `all`). */
export type Fault =
  | 'none'
  /** accept the request and never answer */
  | 'timeout'
  | '500'
  /** 503 SlowDown, S3's answer to a hot prefix */
  | '503'
  /** 429 TooManyRequests, as S3-compatible servers throttle */
  | '429'
  /** a hot prefix: past `allowPerSecond` object GETs in the current second, 503 SlowDown */
  | 'throttle'
  /** TCP reset as soon as the request arrives */
  | 'reset'
  /** the right headers, half the body, then the connection closes */
  | 'truncate'
  /** a Content-Length smaller than the body: the client reads a short body and a 200 */
  | 'short-length'
  /** a Content-Length larger than the body, and the connection stays open */
  | 'long-length';

export interface FaultProxy {
  endpoint: string;
  fault: Fault;
  /** Runs before a GET of an object is forwarded: lets a test change the object after the client's HEAD. */
  /** Runs before an object GET is forwarded; it is given the request path. */
  beforeGet?: (path: string) => Promise<void>;
  /** Requests the proxy faulted. */
  faulted: number;
  /** For 'throttle': object GETs passed per wall-clock second. @default 1 */
  allowPerSecond: number;
  /** Object GETs (and HEADs) that reached the proxy, faulted or not. */
  objectRequests: number;
  stop(): Promise<void>;
}

/**
 * A small HTTP proxy in front of s3rver that breaks responses on purpose. It reads the upstream answer whole and
 * writes the response bytes itself onto the socket, so it can send what no well-behaved server would.
 */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const up = new URL(upstream);
  const sockets = new Set<Socket>();
  const proxy: FaultProxy = {
    endpoint: '',
    fault: 'none',
    faulted: 0,
    allowPerSecond: 1,
    objectRequests: 0,
    stop: async () => undefined,
  };
  let second = 0;
  let passedThisSecond = 0;
  /** 'throttle' turns into a SlowDown for a request over the second's allowance, into 'none' otherwise. */
  const throttled = (): boolean => {
    const now = Math.floor(Date.now() / 1000);
    if (now !== second) {
      second = now;
      passedThisSecond = 0;
    }
    return ++passedThisSecond > proxy.allowPerSecond;
  };
  const server: Server = createServer((req, res) => {
    void handle(req, res.socket!).catch(() => res.socket?.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, socket: Socket): Promise<void> {
    const body = await readAll(req);
    const isObject = (req.method === 'GET' || req.method === 'HEAD') && !new URL(req.url ?? '/', 'http://x').search.includes('list-type');
    if (isObject) proxy.objectRequests++;
    let fault = isObject ? proxy.fault : 'none';
    if (fault === 'throttle') fault = throttled() ? '503' : 'none';
    if (fault !== 'none') proxy.faulted++;
    if (fault === 'timeout') return; // hold the socket: no answer, ever
    if (fault === 'reset') {
      socket.resetAndDestroy();
      return;
    }
    if (fault === '500' || fault === '503' || fault === '429') {
      const name = { '500': 'InternalError', '503': 'SlowDown', '429': 'TooManyRequests' }[fault];
      const xml = `<?xml version="1.0"?><Error><Code>${name}</Code><Message>injected</Message></Error>`;
      socket.end(raw(Number(fault), { 'content-type': 'application/xml', 'content-length': String(xml.length), connection: 'close' }, Buffer.from(xml)));
      return;
    }
    if (req.method === 'GET' && isObject && proxy.beforeGet) await proxy.beforeGet(req.url ?? '');
    const answer = await forward(up, req, body);
    const headers = { ...answer.headers, connection: 'close' } as Record<string, string>;
    delete headers['transfer-encoding'];
    const b = answer.body;
    const hasBody = req.method !== 'HEAD' && b.length > 0;
    if (fault === 'truncate' && hasBody) {
      headers['content-length'] = String(b.length);
      socket.write(raw(answer.status, headers, b.subarray(0, b.length >> 1)));
      socket.destroy();
      return;
    }
    if (fault === 'short-length' && hasBody) {
      headers['content-length'] = String(b.length - Math.max(1, b.length >> 2));
      socket.end(raw(answer.status, headers, b));
      return;
    }
    if (fault === 'long-length' && hasBody) {
      headers['content-length'] = String(b.length + 1000);
      socket.write(raw(answer.status, headers, b)); // and keep the connection open
      return;
    }
    if (req.method !== 'HEAD') headers['content-length'] = String(b.length);
    socket.end(raw(answer.status, headers, req.method === 'HEAD' ? Buffer.alloc(0) : b));
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

function raw(status: number, headers: Record<string, string>, body: Buffer): Buffer {
  const head = [`HTTP/1.1 ${status} X`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    s.on('data', (c: Buffer) => parts.push(c));
    s.on('end', () => resolve(Buffer.concat(parts)));
    s.on('error', reject);
  });
}

function forward(
  up: URL,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = request(
      { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: { ...req.headers, host: up.host } },
      (res) => {
        readAll(res).then((b) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: b }), reject);
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}
