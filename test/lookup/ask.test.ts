import { describe, expect, it } from 'vitest';
import { CrlAuthorizerError } from '../../src/errors.js';
import { allows, askSources, isThenable, type Asked } from '../../src/lookup/decide.js';
import type { RevocationSource, SourceAnswer, SourceName } from '../../src/sources/types.js';
import { makeCa, makeLeaf } from '../../src/testpki/index.js';
import { readCertificate, type CertFacts } from '../../src/x509/cert.js';

/** askSources: the one loop the authorizer handler and `check` ask their sources with. */

const AT = new Date('2026-03-01T12:00:00Z');
const cert = readCertificate(makeLeaf(makeCa({ name: 'CN=Ask CA,O=Example,C=US' }), { subject: 'CN=ask' }).der);

const GOOD: SourceAnswer = { status: 'good', code: 'cert.good', reason: 'not listed' };
const REVOKED: SourceAnswer = { status: 'revoked', code: 'cert.revoked', reason: 'listed' };

/** A source that records each call (name, certificate, time) into `calls` and answers with `answer()`. */
function source(name: SourceName, calls: string[], answer: () => SourceAnswer | Promise<SourceAnswer>): RevocationSource {
  return {
    name,
    check(c: CertFacts, at: Date) {
      expect(c).toBe(cert);
      expect(at).toBe(AT);
      calls.push(name);
      return answer();
    },
  };
}

const later = <T>(ms: number, value: T): Promise<T> => new Promise((resolve) => setTimeout(() => resolve(value), ms));

describe('askSources', () => {
  it('returns a plain result, not a promise, while every source answers synchronously', () => {
    const calls: string[] = [];
    const asked = askSources([source('denylist', calls, () => GOOD), source('crl', calls, () => GOOD)], cert, AT);
    expect(isThenable(asked)).toBe(false);
    expect(asked).not.toBeInstanceOf(Promise);
    const { verdict, answers } = asked as Asked;
    expect(allows(verdict)).toBe(true);
    expect(answers).toEqual([
      { source: 'denylist', answer: GOOD },
      { source: 'crl', answer: GOOD },
    ]);
    expect(calls).toEqual(['denylist', 'crl']);
  });

  it('moves onto the async path at the first thenable, asking the rest in order after it settles', async () => {
    const calls: string[] = [];
    const slow = source('ocsp', calls, () => later(20, REVOKED));
    const fastAfter = source('crl', calls, () => later(1, GOOD));
    const asked = askSources([source('denylist', calls, () => GOOD), slow, fastAfter], cert, AT);
    expect(isThenable(asked)).toBe(true);
    // Not asked until the slow source has answered: one at a time, in order.
    expect(calls).toEqual(['denylist', 'ocsp']);
    const { verdict, answers } = await asked;
    expect(answers.map((a) => a.source)).toEqual(['denylist', 'ocsp', 'crl']);
    expect(answers.map((a) => a.answer)).toEqual([GOOD, REVOKED, GOOD]);
    expect(verdict.status).toBe('revoked');
    expect(verdict.code).toBe('cert.revoked');
  });

  it('applies the rule to the answers (require: the required source must say good)', () => {
    const calls: string[] = [];
    const unknown: SourceAnswer = { status: 'unknown', code: 'ocsp.unavailable', reason: 'responder down' };
    const asked = askSources([source('ocsp', calls, () => unknown), source('crl', calls, () => GOOD)], cert, AT, { require: ['ocsp'] });
    const { verdict } = asked as Asked;
    expect(allows(verdict)).toBe(false);
    expect(verdict.code).toBe('ocsp.unavailable');
    // Without the rule the CRL's good stands.
    expect(allows((askSources([source('ocsp', calls, () => unknown), source('crl', calls, () => GOOD)], cert, AT) as Asked).verdict)).toBe(true);
  });

  it('with no sources, says not covered (synchronously)', () => {
    const asked = askSources([], cert, AT) as Asked;
    expect(asked.answers).toEqual([]);
    expect(asked.verdict.code).toBe('index.not-covered');
  });

  // The handler's behaviour, kept: a throw or rejection is not turned into an answer here; it reaches the caller
  // (the handler's catch denies with its code), and no later source is asked.
  it('lets a synchronous throw out synchronously, asking no later source', () => {
    const calls: string[] = [];
    const boom = new CrlAuthorizerError('internal', 'source broke');
    const sources = [
      source('denylist', calls, () => GOOD),
      source('ocsp', calls, () => {
        throw boom;
      }),
      source('crl', calls, () => GOOD),
    ];
    expect(() => askSources(sources, cert, AT)).toThrow(boom);
    expect(calls).toEqual(['denylist', 'ocsp']);
  });

  it('rejects with a source rejection, asking no later source', async () => {
    const calls: string[] = [];
    const boom = new CrlAuthorizerError('ocsp.unavailable', 'rejected');
    const asked = askSources([source('ocsp', calls, () => Promise.reject(boom)), source('crl', calls, () => GOOD)], cert, AT);
    await expect(asked).rejects.toBe(boom);
    expect(calls).toEqual(['ocsp']);
  });

  it('rejects when a source after the first thenable throws synchronously', async () => {
    const calls: string[] = [];
    const boom = new Error('late throw');
    const sources = [
      source('ocsp', calls, () => later(1, GOOD)),
      source('crl', calls, () => {
        throw boom;
      }),
    ];
    const asked = askSources(sources, cert, AT);
    expect(isThenable(asked)).toBe(true);
    await expect(asked).rejects.toBe(boom);
    expect(calls).toEqual(['ocsp', 'crl']);
  });
});
