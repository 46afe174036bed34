import { expect } from 'vitest';

/**
 * The stable code a call throws, or `whenReturns` (`'no error'` unless told) when it returns: for
 * `expect(codeOf(() => ...)).toBe('blob.malformed')`. An error without a code gives a string no expected
 * code equals: it reads `uncoded: <message>`.
 */
export function codeOf(f: () => unknown, whenReturns = 'no error'): string {
  try {
    f();
  } catch (e) {
    return thrownCode(e);
  }
  return whenReturns;
}

function thrownCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : `uncoded: ${e instanceof Error ? e.message : String(e)}`;
}

/**
 * Asserts that a call throws (or a promise rejects) with this stable code: the one check every suite used to
 * write for itself (`toThrow(expect.objectContaining({ code }))`, `rejects.toMatchObject({ code })`).
 */
export function expectCode(f: () => unknown, code: string): void;
export function expectCode(p: Promise<unknown>, code: string): Promise<void>;
export function expectCode(f: (() => unknown) | Promise<unknown>, code: string): void | Promise<void> {
  if (typeof f === 'function') {
    expect(codeOf(f), `expected code ${code}`).toBe(code);
    return;
  }
  return f.then(
    () => expect.fail(`expected a rejection with code ${code}, but it resolved`),
    (e: unknown) => expect(thrownCode(e), `expected code ${code}`).toBe(code),
  );
}
