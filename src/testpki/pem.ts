/** PEM armour (RFC 7468): base64 in 64-character lines between BEGIN/END lines. */
export function toPem(der: Uint8Array, label = 'X509 CRL', opts: { crlf?: boolean } = {}): string {
  const eol = opts.crlf ? '\r\n' : '\n';
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = [`-----BEGIN ${label}-----`];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(`-----END ${label}-----`);
  return lines.join(eol) + eol;
}
