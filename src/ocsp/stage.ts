/**
 * OCSP in the authorizer's list of sources, under OCSP_MODE. It is asked first so that, where OCSP answers good in
 * `prefer` and `require`, the decision (and the decision line) is OCSP's; it looks at the CRL's answer itself to
 * know whether it is needed, and the CRL source behind it remembers that answer so it is computed once a request.
 */
import { CrlAuthorizerError, messageOf } from '../errors.js';
import type { DecisionRule } from '../lookup/decide.js';
import type { RevocationSource, SourceAnswer } from '../sources/types.js';
import type { ObjectStore } from '../store/types.js';
import { readCertificate, type CertFacts } from '../x509/cert.js';
import { pemBlocks } from '../der/input.js';
import { ocspNeeded, type OcspMode } from './mode.js';
import { OcspSource, type OcspSourceOptions } from './source.js';

/** The CRL source's answer for the certificate and time it was last asked about, so two askers pay once. */
export class RememberedSource implements RevocationSource {
  readonly name: RevocationSource['name'];
  private cert: CertFacts | undefined;
  private atMs = NaN;
  private answer: SourceAnswer | Promise<SourceAnswer> | undefined;
  constructor(private readonly inner: RevocationSource) {
    this.name = inner.name;
  }
  check(cert: CertFacts, at: Date): SourceAnswer | Promise<SourceAnswer> {
    if (cert === this.cert && at.getTime() === this.atMs) return this.answer!;
    const answer = this.inner.check(cert, at);
    this.cert = cert;
    this.atMs = at.getTime();
    this.answer = answer;
    return answer;
  }
}

/** What one OCSP consultation looked like, for the decision line and metrics. */
export interface OcspConsulted {
  cert: CertFacts;
  atMs: number;
  answer: SourceAnswer;
}

export class OcspStage implements RevocationSource {
  readonly name = 'ocsp' as const;
  /** The last answer OCSP gave (not a "not asked"), for the decision line of that request. */
  last: OcspConsulted | undefined;
  constructor(
    readonly mode: Exclude<OcspMode, 'off'>,
    private readonly crl: RevocationSource,
    private readonly ocsp: () => OcspSource | Promise<OcspSource>,
  ) {}

  /** `require` makes OCSP's good a condition of every Allow. */
  get rule(): DecisionRule {
    return this.mode === 'require' ? { require: ['ocsp'] } : {};
  }

  check(cert: CertFacts, at: Date): SourceAnswer | Promise<SourceAnswer> {
    const crl = this.crl.check(cert, at);
    if (crl instanceof Promise) return crl.then((c) => this.after(c, cert, at));
    return this.after(crl, cert, at);
  }

  private after(crl: SourceAnswer, cert: CertFacts, at: Date): SourceAnswer | Promise<SourceAnswer> {
    if (!ocspNeeded(this.mode, crl)) return this.notAsked(crl);
    const source = this.ocsp();
    if (source instanceof Promise) {
      return source.then(
        (s) => this.record(cert, at, s.check(cert, at)),
        (e) => ({ status: 'unknown', code: 'ocsp.unavailable', reason: `OCSP is not ready: ${messageOf(e)}` }),
      );
    }
    return this.record(cert, at, source.check(cert, at));
  }

  private record(cert: CertFacts, at: Date, a: SourceAnswer | Promise<SourceAnswer>): SourceAnswer | Promise<SourceAnswer> {
    if (a instanceof Promise) return a.then((v) => this.record(cert, at, v) as SourceAnswer);
    this.last = { cert, atMs: at.getTime(), answer: a };
    return a;
  }

  private notAsked(crl: SourceAnswer): SourceAnswer {
    // Never good: a source that was not asked cannot vouch; the CRL's own answer decides.
    return {
      status: 'unknown',
      code: 'ocsp.unavailable',
      reason: crl.status === 'revoked' ? 'OCSP not asked: the CRL revokes' : `OCSP not asked (OCSP_MODE=${this.mode}): a CRL answered`,
    };
  }

  /** The OCSP answer given for this certificate at this time, if OCSP was asked. */
  consulted(cert: CertFacts | undefined, atMs: number): SourceAnswer | undefined {
    const l = this.last;
    return l && cert && l.cert === cert && l.atMs === atMs ? l.answer : undefined;
  }
}

/** Key suffix of the CA certificates the preprocessor reads beside each CRL (DESIGN.md "Object names"). */
const CA_SUFFIX = '.ca.pem';

/**
 * The CA certificates OCSP may answer for, from the store: the keys given (OCSP_ISSUER_CERTS), or every
 * `*.ca.pem` under the prefix. A file may hold several certificates (PEM) or one (DER).
 */
export async function issuersFromStore(store: ObjectStore, keys: readonly string[] | undefined): Promise<CertFacts[]> {
  const names = keys ?? (await store.list()).filter((k) => k.endsWith(CA_SUFFIX));
  const out: CertFacts[] = [];
  for (const key of names) {
    const got = await store.get(key);
    if (got.status !== 'ok') continue;
    const text = Buffer.from(got.body).toString('latin1');
    const blocks = pemBlocks(text).filter((b) => b.label === 'CERTIFICATE');
    try {
      if (blocks.length === 0) out.push(readCertificate(got.body));
      for (const b of blocks) out.push(readCertificate(b.der));
    } catch (e) {
      throw new CrlAuthorizerError('cert.malformed', `OCSP issuer certificate ${key}: ${messageOf(e)}`);
    }
  }
  return out;
}

/** A loader that keeps the source once built and tries again on the next request after a failure. */
export function lazySource(load: () => Promise<OcspSourceOptions>): () => OcspSource | Promise<OcspSource> {
  let source: OcspSource | undefined;
  let pending: Promise<OcspSource> | undefined;
  return () => {
    if (source) return source;
    pending ??= load().then(
      (o) => (source = new OcspSource(o)),
      (e) => {
        pending = undefined;
        throw e;
      },
    );
    return pending;
  };
}
