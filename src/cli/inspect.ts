import { verifyBlob } from '../blob/header.js';
import { EXIT, UsageError, parse } from './args.js';
import { readInput } from './files.js';
import type { Io } from './main.js';

export function inspectCommand(args: string[], io: Io): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('inspect takes exactly one blob file');
  const path = positionals[0]!;
  const bytes = readInput(path);
  const header = verifyBlob(bytes);
  const { meta } = header;
  const summary = {
    file: path,
    version: header.version,
    issuer: meta.issuerText,
    authorityKeyId: meta.authorityKeyId,
    scope: meta.scope,
    thisUpdate: meta.thisUpdate,
    nextUpdate: meta.nextUpdate,
    crlNumber: meta.crlNumber,
    entries: meta.entries,
    revoked: meta.revoked,
    recordWidth: header.recordWidth,
    overflow: header.overflowCount,
    bytes: bytes.length,
    crlSha256: meta.crlSha256,
  };
  if (values.json) {
    io.out(JSON.stringify(summary));
    return EXIT.good;
  }
  const scope = meta.scope;
  const scopeText =
    [
      scope.onlyUserCerts && 'end-entity certificates only',
      scope.onlyCaCerts && 'CA certificates only',
      scope.onlyAttributeCerts && 'attribute certificates only',
      scope.distributionPoints.length > 0 && `distribution points ${scope.distributionPoints.join(', ')}`,
    ]
      .filter(Boolean)
      .join('; ') || 'the whole CA';
  io.out(
    [
      `file:          ${path} (${bytes.length} bytes, blob version ${header.version}, checksum ok)`,
      `issuer:        ${meta.issuerText}`,
      `key id:        ${meta.authorityKeyId ?? '(none)'}`,
      `scope:         ${scopeText}`,
      `this update:   ${meta.thisUpdate}`,
      `next update:   ${meta.nextUpdate ?? '(none)'}`,
      `CRL number:    ${meta.crlNumber ?? '(none)'}`,
      `revoked:       ${meta.revoked} serials (${meta.entries} entries in the CRL)`,
      `record width:  ${header.recordWidth} bytes (${header.overflowCount} in overflow)`,
      `source sha256: ${meta.crlSha256}`,
    ].join('\n'),
  );
  return EXIT.good;
}
