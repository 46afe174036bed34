import { CrlAuthorizerError, isCoded } from '../errors.js';

/**
 * Runs `work` with an AbortSignal that fires after `ms`, and maps whatever it throws onto the store's three
 * codes. `notFound` decides which failures mean "no such object" for the backend at hand.
 */
export async function storeCall<T>(
  what: string,
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  notFound: (e: unknown) => boolean,
): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  // Not every backend call observes the signal (fs.readdir does not), so the budget is also raced.
  let onAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  expired.catch(() => undefined);
  try {
    return await Promise.race([work(signal), expired]);
  } catch (e) {
    if (isCoded(e)) throw e;
    if (signal.aborted || isAbort(e)) {
      throw new CrlAuthorizerError('store.timeout', `${what}: no answer within ${ms} ms`, { cause: e });
    }
    if (notFound(e)) throw new CrlAuthorizerError('store.not-found', `${what}: no such object`, { cause: e });
    throw new CrlAuthorizerError('store.unavailable', `${what}: ${describe(e)}`, { cause: e });
  } finally {
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
