import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readBlobHeader } from '../../src/blob/header.js';
import { RevocationIndex } from '../../src/lookup/index.js';
import { applyDelta, pairCrlFiles, preprocessPair } from '../../src/preprocessor/delta.js';
import { createPreprocessorHandler, type PreprocessorResult } from '../../src/preprocessor/index.js';
import { S3Store } from '../../src/store/index.js';
import { makeCa, makeLeaf, type TestCert } from '../../src/testpki/cert.js';
import { crlDistributionPointsValue, EXT } from '../../src/testpki/extensions.js';
import { makeCrl, type CrlEntry, type CrlOptions } from '../../src/testpki/crl.js';
import { readCertificate } from '../../src/x509/cert.js';
import { SerialKeysBuilder } from '../../src/crl/types.js';
import { failure } from '../support/failure.js';
import { startS3, type LocalS3 } from '../support/s3.js';
import { encodeKey, s3Event } from './events.js';

const PREFIX = 'crls/';
const NOW = new Date('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
/** Base and delta share one timeline: CRL number n was issued n hours after a week ago. */
const issued = (n: number) => new Date(NOW.getTime() - 7 * DAY + n * 3_600_000);

describe('delta CRLs through the preprocessor, against s3rver', () => {
  let s3: LocalS3;
  let store: S3Store;
  let ca: TestCert;
  let other: TestCert;
  let a: TestCert; // revoked by the base
  let b: TestCert; // revoked by the delta only
  let held: TestCert; // on hold in the base, released by the delta
  let good: TestCert;

  const base = (crlNumber: number, entries: CrlEntry[], o: Partial<CrlOptions> = {}) =>
    makeCrl({ issuer: ca, crlNumber, entries, thisUpdate: issued(crlNumber), ...o });
  const delta = (crlNumber: number, baseNumber: number, entries: CrlEntry[], o: Partial<CrlOptions> = {}) =>
    makeCrl({
      issuer: ca,
      crlNumber,
      deltaCrlIndicator: baseNumber,
      entries,
      thisUpdate: issued(crlNumber),
      nextUpdate: new Date(NOW.getTime() + DAY),
      ...o,
    });
  const put = (key: string, body: Uint8Array) =>
    s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: PREFIX + key, Body: body }));
  const handler = (event: ReturnType<typeof s3Event>) =>
    createPreprocessorHandler({ store, now: () => NOW, log: () => undefined })(event);
  /** Puts the object and delivers its event as S3 would (the key URL-encoded: `+` arrives as `%2B`). */
  const land = async (key: string, body: Uint8Array): Promise<PreprocessorResult | string> => {
    await put(key, body);
    try {
      return await handler(s3Event('ObjectCreated:Put', s3.bucket, encodeKey(PREFIX + key)));
    } catch (e) {
      return (e as { code: string }).code;
    }
  };
  const index = async () => {
    const got = await store.get('ca/one.cache.bin');
    if (got.status !== 'ok') throw new Error('no blob');
    return { index: RevocationIndex.fromBytes(got.body), meta: readBlobHeader(got.body).meta, etag: got.etag };
  };
  const revoked = async (...certs: TestCert[]) => {
    const { index: i } = await index();
    return certs.map((c) => i.has(readCertificate(c.der).serial));
  };

  beforeAll(async () => {
    s3 = await startS3();
    store = new S3Store(s3.bucket, PREFIX, { client: s3.client });
    ca = makeCa({ name: 'CN=Delta CA,O=Test' });
    other = makeCa({ name: 'CN=Other CA,O=Test' });
    [a, b, held, good] = ['a', 'b', 'held', 'good'].map((n) => makeLeaf(ca, { subject: `CN=${n}` })) as [TestCert, TestCert, TestCert, TestCert];
  });
  afterAll(() => s3?.stop());
  beforeEach(async () => {
    for (const k of await store.list('ca/')) await store.delete(k);
    await put('ca/one.ca.pem', new TextEncoder().encode(ca.pem));
  });

  it('a delta revokes, and releases a hold (removeFromCRL), in one blob with both CRL numbers', async () => {
    await land('ca/one.crl', base(10, [{ serial: a.serial }, { serial: held.serial, reason: 'certificateHold' }]));
    expect(await revoked(a, b, held, good)).toEqual([true, false, true, false]);
    const r = await land('ca/one+.crl', delta(11, 10, [{ serial: b.serial }, { serial: held.serial, reason: 'removeFromCRL' }]));
    expect(r).toMatchObject({ outcomes: [{ action: 'written', key: 'ca/one+.crl', blobKey: 'ca/one.cache.bin', crlNumber: '11' }] });
    expect(await revoked(a, b, held, good)).toEqual([true, true, false, false]);
    const { meta } = await index();
    expect(meta).toMatchObject({ crlNumber: '11', baseCrlNumber: '10', deltaCrlNumber: '11' });
    // nextUpdate is the earlier: the delta's, a day away, not the base's 2035.
    expect(meta.nextUpdate).toBe(new Date(NOW.getTime() + DAY).toISOString());
    const head = await store.head('ca/one.cache.bin');
    expect(head?.metadata).toMatchObject({ 'crl-number': '11', 'base-crl-number': '10' });
  });

  it('<name>.delta.crl pairs too, and the same delta again is unchanged', async () => {
    await land('ca/one.crl', base(10, [{ serial: a.serial }]));
    const d = delta(11, 10, [{ serial: b.serial }]);
    await land('ca/one.delta.crl', d);
    expect(await revoked(a, b)).toEqual([true, true]);
    const r = await land('ca/one.delta.crl', d);
    expect(r).toMatchObject({ outcomes: [{ action: 'unchanged' }] });
  });

  describe('a delta that does not fit is rejected and the blob in use stays', () => {
    const cases: [string, () => Uint8Array, string][] = [
      ['a wrong base number (needs a newer base)', () => delta(12, 11, [{ serial: b.serial }]), 'crl.delta-base-mismatch'],
      ['another issuer', () => delta(11, 10, [{ serial: b.serial }], { issuer: other }), 'crl.issuer-mismatch'],
      ['another issuer name, signed by the CA', () => delta(11, 10, [{ serial: b.serial }], { issuerName: 'CN=Other CA,O=Test' }), 'crl.issuer-mismatch'],
      ['another scope', () => delta(11, 10, [{ serial: b.serial }], { issuingDistributionPoint: { onlyContainsUserCerts: true } }), 'crl.delta-base-mismatch'],
      ['a number not above the base', () => delta(10, 9, [{ serial: b.serial }]), 'crl.delta-base-mismatch'],
      ['a complete CRL at the delta\'s name', () => base(11, [{ serial: b.serial }]), 'crl.delta-base-mismatch'],
      ['an expired delta', () => delta(11, 10, [{ serial: b.serial }], { nextUpdate: new Date(NOW.getTime() - 1000) }), 'crl.expired'],
      ['a bad signature', () => delta(11, 10, [{ serial: b.serial }], { corruptSignature: true }), 'crl.signature-invalid'],
    ];
    for (const [what, make, code] of cases) {
      it(`${what}: ${code}`, async () => {
        await land('ca/one.crl', base(10, [{ serial: a.serial }]));
        const before = await index();
        expect(await land('ca/one+.crl', make())).toBe(code);
        const after = await index();
        expect(after.etag).toBe(before.etag);
        expect(await revoked(a, b)).toEqual([true, false]);
      });
    }
  });

  it('a delta older than the blob\'s is a rollback', async () => {
    await land('ca/one.crl', base(10, [{ serial: a.serial }]));
    await land('ca/one+.crl', delta(12, 10, [{ serial: b.serial }]));
    const before = await index();
    expect(await land('ca/one+.crl', delta(11, 10, []))).toBe('crl.rollback');
    expect((await index()).etag).toBe(before.etag);
    expect(await revoked(b)).toEqual([true]);
  });

  it('a delta at a complete CRL\'s name is refused; a delta alone never makes a blob', async () => {
    expect(await land('ca/one.crl', delta(11, 10, [{ serial: b.serial }]))).toBe('crl.delta-no-base');
    expect(await store.head('ca/one.cache.bin')).toBeUndefined();
  });

  it('out of order: a delta before its base is refused, then the base lands and pairs with it', async () => {
    expect(await land('ca/one+.crl', delta(11, 10, [{ serial: b.serial }]))).toBe('crl.delta-no-base');
    expect(await store.head('ca/one.cache.bin')).toBeUndefined();
    const r = await land('ca/one.crl', base(10, [{ serial: a.serial }]));
    expect(r).toMatchObject({ outcomes: [{ action: 'written', crlNumber: '11' }] });
    expect(await revoked(a, b)).toEqual([true, true]);
  });

  it('a new base while a delta is in place: re-paired when the delta still applies, base-only when it is superseded', async () => {
    await land('ca/one.crl', base(10, [{ serial: a.serial }]));
    await land('ca/one+.crl', delta(12, 10, [{ serial: b.serial }]));
    // Base 11 (BaseCRLNumber 10 <= 11 < 12): the delta still applies.
    await land('ca/one.crl', base(11, [{ serial: a.serial }]));
    expect((await index()).meta).toMatchObject({ crlNumber: '12', baseCrlNumber: '11', deltaCrlNumber: '12' });
    expect(await revoked(a, b)).toEqual([true, true]);
    // Base 13 folds the delta's revocation in; the stale delta is ignored: the base-only blob.
    await land('ca/one.crl', base(13, [{ serial: a.serial }, { serial: b.serial }]));
    const { meta } = await index();
    expect(meta.crlNumber).toBe('13');
    expect(meta.baseCrlNumber).toBeUndefined();
    expect(await revoked(a, b, good)).toEqual([true, true, false]);
  });

  it('a base with a critical freshestCRL is not used alone (crl.delta-missing), and is with its delta', async () => {
    const freshest = { oid: EXT.freshestCRL, critical: true, value: crlDistributionPointsValue([{ fullName: ['http://pki.example.com/ca+.crl'] }]) };
    expect(await land('ca/one.crl', base(10, [{ serial: a.serial }], { extensions: [freshest] }))).toBe('crl.delta-missing');
    expect(await store.head('ca/one.cache.bin')).toBeUndefined();
    await land('ca/one+.crl', delta(11, 10, [{ serial: b.serial }]));
    expect(await revoked(a, b)).toEqual([true, true]);
  });

  it('a removed delta leaves the blob', async () => {
    await land('ca/one.crl', base(10, [{ serial: a.serial }]));
    await land('ca/one+.crl', delta(11, 10, [{ serial: b.serial }]));
    await store.delete('ca/one+.crl');
    const r = await handler(s3Event('ObjectRemoved:Delete', s3.bucket, encodeKey(`${PREFIX}ca/one+.crl`)));
    expect(r.outcomes[0]).toMatchObject({ action: 'skipped' });
    expect(await revoked(a, b)).toEqual([true, true]);
  });
});

describe('pairing without a store', () => {
  const ca = makeCa({ name: 'CN=Pair CA' });
  const at = new Date('2026-01-01T00:00:00Z');

  it('check-style pairing: one blob per base, an unpaired delta reported as delta-no-base', () => {
    const other = makeCa({ name: 'CN=Pair Other' });
    const files = [
      { path: 'base.crl', bytes: makeCrl({ issuer: ca, crlNumber: 5, entries: [{ serial: 1 }] }) },
      { path: 'delta.crl', bytes: makeCrl({ issuer: ca, crlNumber: 6, deltaCrlIndicator: 5, entries: [{ serial: 2 }] }) },
      { path: 'lonely-delta.crl', bytes: makeCrl({ issuer: other, crlNumber: 6, deltaCrlIndicator: 5 }) },
    ];
    const { blobs, skipped } = pairCrlFiles(files, [readCertificate(ca.der), readCertificate(other.der)], { at });
    expect(blobs.map((b) => b.paths)).toEqual([['base.crl', 'delta.crl']]);
    expect(blobs[0]!.result.meta.revoked).toBe(2);
    expect(skipped.map((s) => [s.path, s.error.code])).toEqual([['lonely-delta.crl', 'crl.delta-no-base']]);
  });

  it('a serial both removed and re-revoked by the delta stays revoked; duplicates fold', () => {
    const arena = (...keys: number[][]) => {
      const b = new SerialKeysBuilder(1, 1);
      for (const k of keys) b.push(Uint8Array.from(k), 0, k.length);
      return b.finish();
    };
    const out = applyDelta(arena([1], [2], [3]), arena([2], [4]), arena([2], [3]));
    const keys = [...Array(out.count).keys()].map((i) => [...out.bytes.subarray(out.offsets[i]!, out.offsets[i + 1]!)]);
    expect(keys).toEqual([[1], [2], [4]]);
  });

  it('a pair refuses a base number below the current blob\'s base even with a newer delta', async () => {
    const crl = (n: number, o: Partial<CrlOptions> = {}) => makeCrl({ issuer: ca, crlNumber: n, ...o });
    // The current blob: the same issuer and scope, a pair of base 18 and delta 20.
    const same = preprocessPair(crl(17), undefined, [ca.pem], { at }).meta;
    const previous = { ...same, crlNumber: '20', thisUpdate: '2024-01-01T00:00:00.000Z', baseCrlNumber: '18' };
    const r = () => preprocessPair(crl(17), crl(21, { deltaCrlIndicator: 17 }), [ca.pem], { at, previous });
    expect(await failure(Promise.resolve().then(r))).toBe('crl.rollback');
  });
});
