import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CompiledDenylist,
  DenylistSource,
  editDenylist,
  nameKeyOfText,
  parseDenylist,
  readDenylist,
  serializeDenylist,
  type Denylist,
  type DenylistEntry,
} from '../../src/denylist/index.js';
import { codeOf } from '../../src/errors.js';
import { FolderStore, type ObjectStore, type PutOptions } from '../../src/store/index.js';
import { makeCa, makeLeaf } from '../../src/testpki/cert.js';
import { readCertificate } from '../../src/x509/cert.js';
import { nameKey } from '../../src/x509/name.js';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const base = { reason: 'key leaked', addedBy: 'alice', addedAt: '2026-12-01T10:00:00Z' };
const AT = new Date('2026-12-02T00:00:00Z');

function codeOfThrow(f: () => unknown): string {
  try {
    f();
    return 'no error';
  } catch (e) {
    return codeOf(e);
  }
}

const ca = makeCa({ name: [{ C: 'US' }, { O: 'Example Corp' }, { CN: 'Issuing CA 1' }] });
const leafCert = makeLeaf(ca, {
  serial: 0x0a1b2cn,
  subject: [{ C: { value: 'US', type: 'printable' } }, { O: 'Example Corp' }, { CN: 'payments-client', OU: 'Ops' }],
});
const leaf = readCertificate(leafCert.der);
const other = readCertificate(makeLeaf(ca, { serial: 0x0a1b2dn, subject: 'CN=other' }).der);

const list = (...entries: Partial<DenylistEntry>[]): Denylist =>
  parseDenylist(enc({ version: 1, entries: entries.map((e) => ({ ...base, ...e })) }));

describe('denylist format', () => {
  it('reads a well-formed list and writes it back unchanged', () => {
    const l = list({ serial: '0a1b2c', issuerKeyId: 'ab:cd' }, { sha256: 'AA'.repeat(32), expires: '2027-01-01T00:00:00.000Z' });
    expect(l.entries[0]).toMatchObject({ serial: '0A1B2C', issuerKeyId: 'ABCD' });
    expect(l.entries[1]!.sha256).toBe('aa'.repeat(32));
    expect(parseDenylist(serializeDenylist(l))).toEqual(l);
  });

  it.each([
    ['not JSON', '{"version":1,'],
    ['a wrong version', { version: 2, entries: [] }],
    ['an unknown top-level field', { version: 1, entries: [], extra: 1 }],
    ['an unknown entry field', { version: 1, entries: [{ ...base, sha256: 'aa'.repeat(32), note: 'x' }] }],
    ['two selectors', { version: 1, entries: [{ ...base, sha256: 'aa'.repeat(32), subject: 'CN=x' }] }],
    ['no selector', { version: 1, entries: [{ ...base }] }],
    ['a serial without issuer', { version: 1, entries: [{ ...base, serial: '01' }] }],
    ['a serial with both issuers', { version: 1, entries: [{ ...base, serial: '01', issuer: 'CN=a', issuerKeyId: 'ab' }] }],
    ['a serial that is not hex', { version: 1, entries: [{ ...base, serial: 'xyz', issuerKeyId: 'ab' }] }],
    ['a short fingerprint', { version: 1, entries: [{ ...base, sha256: 'aa'.repeat(20) }] }],
    ['an impossible date', { version: 1, entries: [{ ...base, sha256: 'aa'.repeat(32), expires: '2026-02-30T00:00:00Z' }] }],
    ['a zone-less date', { version: 1, entries: [{ ...base, sha256: 'aa'.repeat(32), addedAt: '2026-02-01T00:00:00' }] }],
    ['an empty reason', { version: 1, entries: [{ ...base, reason: ' ', sha256: 'aa'.repeat(32) }] }],
    ['a subject that is not RFC 4514', { version: 1, entries: [{ ...base, subject: 'just text' }] }],
  ])('refuses %s as denylist.malformed', (_, doc) => {
    expect(codeOfThrow(() => new CompiledDenylist(parseDenylist(enc(doc))))).toBe('denylist.malformed');
  });

  it('names the entry at fault', () => {
    expect(() => parseDenylist(enc({ version: 1, entries: [{ ...base, sha256: 'aa'.repeat(32) }, { ...base }] }))).toThrow(
      /entries\[1\]/,
    );
  });

  it('refuses an object over the size bound before parsing it', () => {
    const big = new Uint8Array(16 * 1024 * 1024 + 1).fill(0x20);
    expect(() => parseDenylist(big)).toThrow(/over the limit/);
  });
});

describe('RFC 4514 subject text', () => {
  it('keys like the certificate name: case, spaces, string types and multi-valued RDN order do not matter', () => {
    expect(nameKeyOfText('ou=ops+CN=Payments-Client, O=example  corp,C=us')).toBe(leaf.subjectKey);
    expect(nameKeyOfText('CN=payments-client,O=Example Corp,C=US')).not.toBe(leaf.subjectKey); // OU missing
  });

  it('reads escapes, hex pairs, #hex values and dotted OIDs', () => {
    const der = makeLeaf(ca, { subject: [{ O: 'A, B' }, { CN: 'é+1' }, { '2.5.4.97': 'VATDE-123' }] }).der;
    const key = readCertificate(der).subjectKey;
    // #0c... is a UTF8String "VATDE-123" given as DER.
    const hex = '0c09' + Buffer.from('VATDE-123').toString('hex');
    expect(nameKeyOfText(`2.5.4.97=#${hex},CN=\\C3\\A9\\+1,O=A\\, B`)).toBe(key);
    expect(nameKeyOfText('organizationIdentifier=vatde-123,CN=é\\+1,O=A\\, B')).toBe(key);
  });

  it.each(['CN', 'CN=a,', 'XX=1', 'CN=a"b', 'CN=#zz', 'CN=\\q'])('refuses %j', (text) => {
    expect(codeOfThrow(() => nameKeyOfText(text))).toBe('denylist.malformed');
  });

  it('a name read from DER keys the same as its printed text', () => {
    expect(nameKeyOfText(leaf.issuerText)).toBe(nameKey(leaf.issuerDer));
  });
});

describe('matching', () => {
  const hit = (entries: Partial<DenylistEntry>[], cert = leaf, at = AT) => new CompiledDenylist(list(...entries)).match(cert, at);

  it('by issuer key id and serial', () => {
    const kid = Buffer.from(leaf.authorityKeyId!).toString('hex');
    expect(hit([{ serial: '0A1B2C', issuerKeyId: kid }])?.reason).toBe('key leaked');
    expect(hit([{ serial: '000a1b2c', issuerKeyId: kid.toUpperCase() }])).toBeDefined();
    expect(hit([{ serial: '0A1B2C', issuerKeyId: kid }], other)).toBeUndefined();
    expect(hit([{ serial: '0A1B2C', issuerKeyId: 'ff'.repeat(20) }])).toBeUndefined();
  });

  it('by issuer name (RFC 5280 rules) and serial', () => {
    expect(hit([{ serial: '0A1B2C', issuer: 'cn=issuing  ca 1,o=EXAMPLE CORP,c=US' }])).toBeDefined();
    expect(hit([{ serial: '0A1B2C', issuer: 'CN=Issuing CA 2,O=Example Corp,C=US' }])).toBeUndefined();
  });

  it('by SHA-256 of the certificate DER', () => {
    const fp = createHash('sha256').update(leafCert.der).digest('hex');
    expect(hit([{ sha256: fp }])).toBeDefined();
    expect(hit([{ sha256: fp.toUpperCase() }])).toBeDefined();
    expect(hit([{ sha256: fp }], other)).toBeUndefined();
  });

  it('by subject', () => {
    expect(hit([{ subject: 'CN=Payments-Client+OU=ops,O=Example Corp,C=US' }])).toBeDefined();
    expect(hit([{ subject: 'CN=Payments-Client+OU=ops,O=Example Corp,C=US' }], other)).toBeUndefined();
  });

  it('entries sharing a serial: only the one naming this issuer matches, an expired one yields to a live one', () => {
    const kid = Buffer.from(leaf.authorityKeyId!).toString('hex');
    const wrongIssuer = { serial: '0A1B2C', issuer: 'CN=Issuing CA 2,O=Example Corp,C=US', reason: 'other CA' };
    const wrongKey = { serial: '0A1B2C', issuerKeyId: 'ff'.repeat(20), reason: 'other key' };
    expect(hit([wrongIssuer, wrongKey])).toBeUndefined();
    expect(hit([wrongIssuer, wrongKey, { serial: '0A1B2C', issuer: 'CN=Issuing CA 1,O=Example Corp,C=US', reason: 'this CA' }])?.reason).toBe('this CA');
    const expiredById = { serial: '0A1B2C', issuerKeyId: kid, reason: 'by id', expires: '2026-12-01T00:00:00Z' };
    const liveByName = { serial: '0A1B2C', issuer: 'CN=Issuing CA 1,O=Example Corp,C=US', reason: 'by name' };
    expect(hit([liveByName, expiredById])?.reason).toBe('by name');
    expect(hit([liveByName, { ...expiredById, expires: undefined }])?.reason).toBe('by id');
  });

  it('an entry stops matching at its expiry; a live duplicate still matches', () => {
    const expiring = { subject: 'CN=other', expires: '2026-12-02T00:00:00Z' };
    expect(hit([expiring], other, new Date('2026-12-01T23:59:59Z'))).toBeDefined();
    expect(hit([expiring], other, AT)).toBeUndefined();
    expect(hit([expiring, { subject: 'cn=OTHER', reason: 'for good' }], other, AT)?.reason).toBe('for good');
  });
});

describe('DenylistSource and edits over a folder store', () => {
  let dir: string;
  let store: FolderStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'denylist-'));
    store = new FolderStore(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('a missing denylist is empty; a match is revoked denylist.matched with the reason; silence is a good that vouches for nothing', async () => {
    const source = new DenylistSource(store);
    expect(await source.refresh()).toEqual({ status: 'absent' });
    expect(source.check(leaf, AT).status).toBe('good');
    await editDenylist(store, 'denylist.json', (l) => ({ ...l, entries: [...l.entries, { ...base, subject: 'CN=other' }] }));
    expect(await source.refresh()).toMatchObject({ status: 'loaded', entries: 1 });
    expect(await source.refresh()).toEqual({ status: 'unchanged' });
    const answer = source.check(other, AT);
    expect(answer).toMatchObject({ status: 'revoked', code: 'denylist.matched' });
    expect(answer.summary?.detail?.reason).toBe('key leaked');
    expect(source.check(leaf, AT).status).toBe('good');
  });

  it('a broken denylist keeps the last good one and says so', async () => {
    const source = new DenylistSource(store);
    await store.put('denylist.json', serializeDenylist(list({ subject: 'CN=other' })));
    await source.refresh();
    await writeFile(join(dir, 'denylist.json'), '{"version":1,"entries":[{"subject":"CN=x"}]}');
    const outcome = await source.refresh();
    expect(outcome).toMatchObject({ status: 'kept', code: 'denylist.malformed' });
    expect(source.check(other, AT).code).toBe('denylist.matched');
    expect(source.size).toBe(1);
  });

  it('two concurrent writers: both entries land, the loser retried', async () => {
    const add = (subject: string) => (l: Denylist) => ({ ...l, entries: [...l.entries, { ...base, subject }] });
    const results = await Promise.all([
      editDenylist(store, 'denylist.json', add('CN=one')),
      editDenylist(store, 'denylist.json', add('CN=two')),
      editDenylist(store, 'denylist.json', add('CN=three')),
    ]);
    const { list: final } = await readDenylist(store, 'denylist.json');
    expect(final.entries.map((e) => e.subject).sort()).toEqual(['CN=one', 'CN=three', 'CN=two']);
    expect(Math.max(...results.map((r) => r.attempts))).toBeGreaterThan(1);
  });

  it('a writer that keeps losing fails loudly and writes nothing', async () => {
    await editDenylist(store, 'denylist.json', (l) => ({ ...l, entries: [{ ...base, subject: 'CN=first' }] }));
    // Each conditional put finds that another writer landed first (a rival put just before it).
    let n = 0;
    const racing: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
      async put(key: string, body: Uint8Array, opts?: PutOptions) {
        if (opts?.ifMatch !== undefined) {
          await store.put(key, serializeDenylist({ version: 1, entries: [{ ...base, subject: `CN=rival${n++}` }] }));
        }
        return store.put(key, body, opts);
      },
    });
    const err = await editDenylist(racing, 'denylist.json', (l) => ({ ...l, entries: [...l.entries, { ...base, subject: 'CN=mine' }] }), 3).catch(
      (e: unknown) => e,
    );
    expect(codeOf(err)).toBe('store.precondition-failed');
    expect((err as Error).message).toMatch(/3 attempts; nothing was written/);
    const { list: final } = await readDenylist(store, 'denylist.json');
    expect(final.entries.map((e) => e.subject)).toEqual(['CN=rival2']);
    expect(n).toBe(3);
  });

  it('refuses to edit a denylist it cannot read', async () => {
    await writeFile(join(dir, 'denylist.json'), 'not json');
    const err = await editDenylist(store, 'denylist.json', (l) => l).catch((e: unknown) => e);
    expect(codeOf(err)).toBe('denylist.malformed');
  });
});
