import { describe, expect, it } from 'vitest';
import { readConfig } from '../../src/authorizer/index.js';
import { restEvent } from './events.js';
import { effect, harness } from './harness.js';
import { makePki } from '../support/pki.js';

describe('configuration from the environment', () => {
  it('has the documented defaults', () => {
    expect(readConfig({ CRL_STORE_URL: 's3://b/p' })).toEqual({
      storeUrl: 's3://b/p',
      cacheKeys: undefined,
      revalidateSeconds: 10,
      freshSeconds: 60,
      maxStaleSeconds: 300,
      graceSeconds: 0,
      storeTimeoutMs: 2000,
      loadTimeoutMs: 8000,
      rangeBytes: 8 * 1024 * 1024,
      rangeConcurrency: 8,
      response: 'policy',
    });
  });

  it('reads every variable', () => {
    expect(
      readConfig({
        CRL_STORE_URL: 'file:///srv/crls',
        CRL_CACHE_KEYS: ' a.cache.bin, ca/b.cache.bin ,',
        CRL_REVALIDATE_SECONDS: '30',
        CRL_MAX_STALE_SECONDS: '600',
        CRL_NEXT_UPDATE_GRACE_SECONDS: '3600',
        CRL_STORE_TIMEOUT_MS: '1500',
        AUTHORIZER_RESPONSE: 'simple',
      }),
    ).toEqual({
      storeUrl: 'file:///srv/crls',
      cacheKeys: ['a.cache.bin', 'ca/b.cache.bin'],
      revalidateSeconds: 30,
      maxStaleSeconds: 600,
      graceSeconds: 3600,
      storeTimeoutMs: 1500,
      freshSeconds: 60,
      loadTimeoutMs: 8000,
      rangeBytes: 8 * 1024 * 1024,
      rangeConcurrency: 8,
      response: 'simple',
    });
  });

  it('lets options passed to createHandler win over the environment', () => {
    expect(readConfig({ CRL_REVALIDATE_SECONDS: '30' }, { revalidateSeconds: 5 }).revalidateSeconds).toBe(5);
  });

  it('fails clearly on invalid values, naming the variable and what it accepts', () => {
    expect(() => readConfig({ CRL_REVALIDATE_SECONDS: 'soon' })).toThrow(
      'CRL_REVALIDATE_SECONDS must be a whole number from 0 to 86400, got "soon"',
    );
    expect(() => readConfig({ CRL_MAX_STALE_SECONDS: '-1' })).toThrow(/CRL_MAX_STALE_SECONDS/);
    expect(() => readConfig({ CRL_STORE_TIMEOUT_MS: '0' })).toThrow(/CRL_STORE_TIMEOUT_MS must be a whole number from 1 to 9000/);
    expect(() => readConfig({ CRL_STORE_TIMEOUT_MS: '2.5' })).toThrow(/CRL_STORE_TIMEOUT_MS/);
    expect(() => readConfig({ AUTHORIZER_RESPONSE: 'iam' })).toThrow('AUTHORIZER_RESPONSE must be one of policy, simple, got "iam"');
  });

  it('denies every request with code usage, and logs why, when the configuration is invalid', async () => {
    const pki = makePki();
    const h = harness({ env: { CRL_STORE_URL: 'file:///tmp/x', CRL_REVALIDATE_SECONDS: 'soon' } });
    for (let i = 0; i < 2; i++) {
      const r = await h.handler(restEvent(pki.good.pem));
      expect(effect(r)).toBe('Deny');
      expect(r.context.code).toBe('usage');
    }
    expect(h.logs().filter((l) => l.level === 'ERROR')[0]).toMatchObject({
      message: 'configuration invalid: denying every request',
      reason: expect.stringContaining('CRL_REVALIDATE_SECONDS'),
    });
  });

  it('denies with code usage when no store is configured', async () => {
    const pki = makePki();
    const r = await harness({ env: {} }).handler(restEvent(pki.good.pem));
    expect(r.context.code).toBe('usage');
  });
});
