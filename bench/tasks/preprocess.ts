import { readFileSync, writeFileSync } from 'node:fs';
import { readBlobHeader } from '../../src/blob/header.js';
import { preprocess } from '../../src/preprocessor/preprocess.js';
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
}

main(() => {
  const args = taskArgs<Args>();
  const t0 = nowMs();
  const crl = readFileSync(args.crl);
  const ca = readFileSync(args.ca);
  const { blob, facts } = preprocess(crl, [ca], { at: new Date(args.at) });
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
