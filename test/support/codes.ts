/** The stable code a call throws, or `'no error'` when it returns: for `expect(codeOf(() => ...)).toBe('blob.malformed')`. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
}
