import { describe, expect, it } from 'vitest';
import { codeOf, messageOf } from '../../src/errors.js';
import { MAX_OCSP_TIMEOUT_MS, readOcspConfig, readOcspFlags } from '../../src/ocsp/config.js';
import { DEFAULT_OCSP_TIMEOUT_MS } from '../../src/ocsp/source.js';

/** The OCSP settings' one set of rules, read from the variables (the authorizer) and the flags (serve, check). */

function refusal(read: () => unknown): { code: string; message: string } {
  try {
    read();
  } catch (e) {
    return { code: codeOf(e), message: messageOf(e) };
  }
  throw new Error('expected a refusal');
}

describe('readOcspConfig (the variables)', () => {
  it('defaults: off, the default timeout, no URL', () => {
    expect(readOcspConfig({})).toEqual({ mode: 'off', timeoutMs: DEFAULT_OCSP_TIMEOUT_MS });
  });

  it('reads trimmed values, blank as unset, and lets overrides win', () => {
    const c = readOcspConfig({ OCSP_MODE: ' prefer ', OCSP_TIMEOUT_MS: '250', OCSP_URL: 'http://127.0.0.1:9/', OCSP_ISSUER_CERTS: 'a.pem, b.pem' });
    expect(c).toEqual({ mode: 'prefer', timeoutMs: 250, url: 'http://127.0.0.1:9/', issuerKeys: ['a.pem', 'b.pem'] });
    expect(readOcspConfig({ OCSP_MODE: '  ' }).mode).toBe('off');
    expect(readOcspConfig({ OCSP_MODE: 'prefer' }, { mode: 'require' }).mode).toBe('require');
  });

  it('refuses a bad value with a usage error naming the variable', () => {
    expect(refusal(() => readOcspConfig({ OCSP_MODE: 'sometimes' }))).toEqual({
      code: 'usage',
      message: 'OCSP_MODE must be one of off, fallback, prefer, require, got "sometimes"',
    });
    expect(refusal(() => readOcspConfig({ OCSP_TIMEOUT_MS: '0' })).message).toBe(
      `OCSP_TIMEOUT_MS must be a whole number from 1 to ${MAX_OCSP_TIMEOUT_MS}, got "0"`,
    );
    expect(refusal(() => readOcspConfig({ OCSP_URL: 'ftp://x' })).message).toBe('OCSP_URL must be an http:// or https:// URL, got "ftp://x"');
  });
});

describe('readOcspFlags (serve and check)', () => {
  it('returns only the flags given', () => {
    expect(readOcspFlags({})).toEqual({});
    expect(readOcspFlags({ mode: 'fallback' })).toEqual({ mode: 'fallback' });
    expect(readOcspFlags({ mode: 'require', timeoutMs: String(MAX_OCSP_TIMEOUT_MS), url: 'https://ocsp.example' })).toEqual({
      mode: 'require',
      timeoutMs: MAX_OCSP_TIMEOUT_MS,
      url: 'https://ocsp.example',
    });
  });

  it('refuses what the variables refuse, naming the flag', () => {
    expect(refusal(() => readOcspFlags({ mode: 'sometimes' }))).toEqual({
      code: 'usage',
      message: '--ocsp-mode: must be one of off, fallback, prefer, require, got "sometimes"',
    });
    for (const t of ['0', String(MAX_OCSP_TIMEOUT_MS + 1), '1.5', '-1', 'abc']) {
      expect(refusal(() => readOcspFlags({ timeoutMs: t })).message, t).toBe(
        `--ocsp-timeout-ms: must be a whole number from 1 to ${MAX_OCSP_TIMEOUT_MS}, got ${JSON.stringify(t)}`,
      );
      expect(refusal(() => readOcspConfig({ OCSP_TIMEOUT_MS: t })).code, t).toBe('usage');
    }
    expect(refusal(() => readOcspFlags({ url: 'ftp://x' })).message).toBe('--ocsp: must be an http:// or https:// URL, got "ftp://x"');
  });

  it('takes a flag as given: an empty or padded value is refused, not read as unset', () => {
    expect(refusal(() => readOcspFlags({ mode: '' })).message).toMatch(/^--ocsp-mode: must be one of .*, got ""$/);
    expect(refusal(() => readOcspFlags({ mode: ' prefer' })).code).toBe('usage');
    expect(refusal(() => readOcspFlags({ timeoutMs: '' })).code).toBe('usage');
  });
});
