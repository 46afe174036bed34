import { readFileSync, writeFileSync } from 'node:fs';
import { encodeBlob } from '../../src/blob/encode.js';
import { readBlobHeader } from '../../src/blob/header.js';
import { verifyCrl } from '../../src/crl/verify.js';
import { blobMeta, preprocess, readCertificates } from '../../src/preprocessor/preprocess.js';
import { jsonCacheText } from '../alternatives/json-cache.js';
import { main, nowMs, taskArgs } from './io.js';

/** This project's preprocess, as the CLI runs it: read CRL and CA, verify, encode, write the blob. */
interface Args {
  crl: string;
  ca: string;
  out: string;
  at: string;
  /** Also write the reference design's JSON cache here (after the timed part; for the artefact rows). */
  json?: string;
  /** 1: the same steps writing a version 1 blob (no filter), for the filter's share of the time (issue #17). */
  version?: 1;
}

main(() => {
  const args = taskArgs<Args>();
  const t0 = nowMs();
  const crl = readFileSync(args.crl);
  const ca = readFileSync(args.ca);
  const { blob, facts } = args.version === 1 ? preprocessV1(crl, ca, new Date(args.at)) : preprocess(crl, [ca], { at: new Date(args.at) });
  writeFileSync(args.out, blob);
  const opMs = nowMs() - t0;
  const header = readBlobHeader(blob);
  let jsonBytes: number | undefined;
  if (args.json) {
    const text = jsonCacheText(facts.keys, { thisUpdate: header.meta.thisUpdate, nextUpdate: header.meta.nextUpdate });
    writeFileSync(args.json, text);
    jsonBytes = Buffer.byteLength(text);
  }
  return {
    opMs,
    entries: facts.entries,
    revoked: header.meta.revoked,
    blobBytes: blob.length,
    recordWidth: header.recordWidth,
    overflowCount: header.overflowCount,
    jsonBytes,
  };
});

/** preprocess() as it runs without a previous blob (verify, then encode), but writing format version 1. */
function preprocessV1(crl: Uint8Array, ca: Uint8Array, at: Date) {
  const facts = verifyCrl(crl, readCertificates(ca), { at });
  return { blob: encodeBlob(facts.keys, blobMeta(facts), { version: 1 }), facts };
}
