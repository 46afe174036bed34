import { CrlAuthorizerError, isCoded, type Code } from '../errors.js';

/**
 * What a backend's work gets: the signal that ends the call, and `alive()`, to call whenever bytes arrive. The
 * budget `ms` is the longest silence (time to first byte, then the longest stall while a body streams), so a
 * large download that keeps flowing is never cut short by it; a whole load has its own budget (`outer`).
 */
export type StoreWork<T> = (signal: AbortSignal, alive: () => void) => Promise<T>;

/**
 * Runs `work` with an AbortSignal that fires after `ms` without progress, or when `outer` fires, and maps
 * whatever it throws onto the store's codes. `classify` names the backend's failures that are not plain
 * `store.unavailable` (a missing object, a failed precondition, throttling).
 */
export async function storeCall<T>(
  what: string,
  ms: number,
  work: StoreWork<T>,
  classify: (e: unknown) => Code | undefined,
  outer?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const { signal } = controller;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException(`no progress within ${ms} ms`, 'TimeoutError'));
  }, ms);
  const onOuter = () => controller.abort(outer!.reason);
  if (outer?.aborted) onOuter();
  else outer?.addEventListener('abort', onOuter, { once: true });
  // Not every backend call observes the signal (fs.readdir does not), so the budget is also raced.
  let onAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  expired.catch(() => undefined);
  try {
    return await Promise.race([work(signal, () => timer.refresh()), expired]);
  } catch (e) {
    if (isCoded(e)) throw e;
    if (signal.aborted && !timedOut && isCoded(signal.reason)) throw signal.reason;
    if (signal.aborted || isAbort(e)) {
      const why = timedOut || !signal.aborted ? `no answer within ${ms} ms` : `abandoned (${describe(signal.reason)})`;
      throw new CrlAuthorizerError('store.timeout', `${what}: ${why}`, { cause: e });
    }
    const code = classify(e);
    if (code === 'store.not-found') throw new CrlAuthorizerError(code, `${what}: no such object`, { cause: e });
    throw new CrlAuthorizerError(code ?? 'store.unavailable', `${what}: ${describe(e)}`, { cause: e });
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

function isAbort(e: unknown): boolean {
  const name = (e as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && !e.message.includes(code) ? `${code} ${e.message}` : e.message || e.name;
  }
  return String(e);
}

export function timeoutOf(opts: { timeoutMs?: number } | undefined, fallback: number): number {
  const ms = opts?.timeoutMs ?? fallback;
  if (!Number.isFinite(ms) || ms <= 0) {
    throw new CrlAuthorizerError('usage', `store timeout must be a positive number of milliseconds, got ${ms}`);
  }
  return ms;
}

/**
 * Copies a streamed body into one buffer of the announced length (`into` when the caller gave one, so a ranged
 * part lands where it belongs with no copy in between), calling `alive` for every chunk. A body longer or
 * shorter than announced is an error: never a silently short object.
 */
export async function collectBody(
  chunks: AsyncIterable<Uint8Array>,
  length: number | undefined,
  into: Uint8Array | undefined,
  alive: () => void,
): Promise<Uint8Array> {
  if (into && length !== undefined && into.length !== length) {
    throw new Error(`the body is ${length} bytes but ${into.length} were expected`);
  }
  const size = into?.length ?? length;
  if (size === undefined) {
    const parts: Uint8Array[] = [];
    for await (const c of chunks) {
      alive();
      parts.push(c);
    }
    return Buffer.concat(parts);
  }
  const body = into ?? Buffer.allocUnsafe(size);
  let done = 0;
  for await (const c of chunks) {
    alive();
    if (done + c.length > size) throw new Error(`the body is longer than the ${size} bytes announced`);
    body.set(c, done);
    done += c.length;
  }
  if (done !== size) throw new Error(`the body ended after ${done} of ${size} bytes`);
  return body;
}
