/**
 * One OCSP exchange over HTTP (RFC 6960 A.1, RFC 5019 5): GET for a short request, POST otherwise, bounded in
 * time and in response size. Failures are thrown with `ocsp.timeout` or `ocsp.unavailable`.
 */
import { CrlAuthorizerError, messageOf } from '../errors.js';
import { httpRequestFor } from './request.js';
import { MAX_OCSP_RESPONSE_BYTES } from '../limits.js';

/** The limit lives with the others in src/limits.ts. */
export { MAX_OCSP_RESPONSE_BYTES };

export interface Exchange {
  method: 'GET' | 'POST';
  url: string;
  body: Uint8Array;
}

/** Sends `der` to `responder` and returns the response body. `timeoutMs` bounds the whole exchange. */
export async function exchange(responder: string, der: Uint8Array, timeoutMs: number): Promise<Exchange> {
  const req = httpRequestFor(responder, der);
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(req.url, {
      method: req.method,
      redirect: 'manual',
      signal,
      headers: req.method === 'POST' ? { 'content-type': 'application/ocsp-request' } : {},
      ...(req.method === 'POST' && { body: req.body }),
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new CrlAuthorizerError('ocsp.unavailable', `OCSP responder ${responder} answered HTTP ${res.status}`);
    }
    return { method: req.method, url: req.url, body: await boundedBody(res, responder) };
  } catch (e) {
    if (e instanceof CrlAuthorizerError) throw e;
    if (signal.aborted) {
      throw new CrlAuthorizerError('ocsp.timeout', `OCSP responder ${responder} did not answer within ${timeoutMs} ms`);
    }
    throw new CrlAuthorizerError('ocsp.unavailable', `OCSP responder ${responder}: ${messageOf(e)}`, { cause: e });
  }
}

async function boundedBody(res: Response, responder: string): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > MAX_OCSP_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw tooLarge(responder);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > MAX_OCSP_RESPONSE_BYTES) throw tooLarge(responder);
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

function tooLarge(responder: string): CrlAuthorizerError {
  return new CrlAuthorizerError(
    'ocsp.malformed',
    `OCSP response from ${responder} is over the limit of ${MAX_OCSP_RESPONSE_BYTES} bytes`,
  );
}
