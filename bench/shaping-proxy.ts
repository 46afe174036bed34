import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * An HTTP proxy in front of a local S3 that makes it look like S3 seen from a Lambda function: every request
 * waits `latencyMs` before it is forwarded (in-region S3's time to first byte is of that order), and every
 * connection's response bytes flow at no more than `bytesPerSecond` (a single S3 connection's throughput). The
 * bytes themselves are untouched.
 */
export interface ShapingOptions {
  /** @default 8 */
  latencyMs?: number;
  /** @default 90 MB/s */
  bytesPerSecond?: number;
}

export interface ShapingProxy {
  endpoint: string;
  /** Requests forwarded, by method ("GET", "HEAD", ...). */
  requests: Map<string, number>;
  /** Requests forwarded, by method and object path ("GET /bucket/pki/a.cache.bin"), query left off. */
  byObject: Map<string, number>;
  stop(): Promise<void>;
}

export const DEFAULT_LATENCY_MS = 8;
export const DEFAULT_BYTES_PER_SECOND = 90e6;

export async function startShapingProxy(upstream: string, opts: ShapingOptions = {}): Promise<ShapingProxy> {
  const latencyMs = opts.latencyMs ?? DEFAULT_LATENCY_MS;
  const bytesPerMs = (opts.bytesPerSecond ?? DEFAULT_BYTES_PER_SECOND) / 1000;
  const up = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const requests = new Map<string, number>();
  const byObject = new Map<string, number>();
  const sockets = new Set<Socket>();
  /** Per client connection: when its last byte is due, so the budget is the connection's, not the request's. */
  const dueAt = new WeakMap<Socket, number>();

  const server: Server = createServer((req, res) => {
    requests.set(req.method ?? '', (requests.get(req.method ?? '') ?? 0) + 1);
    const object = `${req.method ?? ''} ${(req.url ?? '').split('?')[0]}`;
    byObject.set(object, (byObject.get(object) ?? 0) + 1);
    const socket = req.socket;
    setTimeout(() => {
      const fwd = request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers, agent },
        (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(paced(socket)).pipe(res);
        },
      );
      fwd.on('error', () => res.destroy());
      req.pipe(fwd);
    }, latencyMs);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function paced(socket: Socket): Transform {
    return new Transform({
      transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
        const now = performance.now();
        const due = Math.max(now, dueAt.get(socket) ?? 0) + chunk.length / bytesPerMs;
        dueAt.set(socket, due);
        const wait = due - now;
        // Timers are ~1 ms coarse: sleep only when a whole millisecond or more is owed.
        if (wait < 1) return done(null, chunk);
        setTimeout(() => done(null, chunk), wait);
      },
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    byObject,
    stop: async () => {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
