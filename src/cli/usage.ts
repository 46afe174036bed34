/**
 * Every command's usage, in one place: `crl-authorizer --help` prints the list, `<command> --help` its entry.
 * The README's CLI table lists the same flags; test/cli/help.test.ts checks that every flag a command parses is
 * named here.
 */
export const COMMAND_USAGE: Record<string, string> = {
  preprocess: `preprocess --crl FILE --ca FILE... --out FILE [--at ISO-8601] [--allow-no-next-update] [--force] [--json] [--progress]
    verify a CRL against its CA certificate(s) and write the packed blob
      --crl FILE              the CRL (DER, PEM or base64); one CRL per file
      --ca FILE               the issuing CA certificate; repeat, or give a PEM bundle
      --out FILE              the blob to write (atomically); an existing read-only file is refused
      --at ISO-8601           judge the CRL at this time (default now; no zone = UTC)
      --allow-no-next-update  accept a CRL without nextUpdate (refused by default)
      --force                 replace --out even if it holds a newer CRL number (no rollback check)
      --json                  print the result as one JSON object
      --progress              phase lines on stderr whatever the size (default: on a terminal, CRLs over 8 MiB)`,
  inspect: `inspect FILE... [--at ISO-8601] [--json]
    show each blob's issuer, scope, dates, CRL number, count, record width and size; EXPIRED past nextUpdate
      --at ISO-8601           judge expiry at this time (default now)
      --json                  one JSON object per file, one per line`,
  check: `check --cert FILE (--blob FILE... | --crl FILE... --ca FILE...) [--ocsp URL|aia --ca FILE [--ocsp-mode MODE] [--ocsp-timeout-ms N]]
      [--at ISO-8601] [--grace-seconds N] [--allow-no-next-update] [--json]
    decide one certificate: prints good, revoked or unknown: <reason> (with --ocsp, then which source decided)
      --cert FILE             the client certificate (DER or PEM)
      --blob FILE             a blob made by preprocess; repeat for several
      --crl FILE              a CRL to verify and use; repeat for several (needs --ca)
      --ca FILE               CA certificate(s) for --crl and --ocsp; repeat, or a PEM bundle
      --ocsp URL|aia          also ask this OCSP responder (aia: the one the certificate names)
      --ocsp-mode MODE        off, fallback, prefer or require, as OCSP_MODE (default with --ocsp: prefer)
      --ocsp-timeout-ms N     each OCSP request's time budget (default 1000)
      --at ISO-8601           decide at this time (default now; no zone = UTC)
      --grace-seconds N       keep using a CRL this long past its nextUpdate (default 0)
      --allow-no-next-update  accept a --crl without nextUpdate
      --json                  print {status, code, reason, serial, issuer, skipped: [{file, code, reason}]}
                              (with --ocsp also decidedBy and sources: [{source, status, code, reason}])`,
  serve: `serve --truststore FILE --store URL [--port N] [--host ADDR] [--upstream URL] [--watch [--fetch NAME=URL]... [--fetch-seconds N]] [--cert FILE --key FILE]
      [--revalidate-seconds N] [--max-stale-seconds N] [--ocsp-mode MODE] [--ocsp URL] [--quiet] [--verbose]
    a local mTLS gateway that runs the authorizer as API Gateway would
      --truststore FILE       PEM bundle (or one DER certificate) of the CAs client certificates chain to
      --store URL             file:///path or s3://bucket/prefix holding the blobs (and denylist.json)
      --port N                port to listen on (default 8443; 0 picks a free one and prints it)
      --host ADDR             address to listen on (default 127.0.0.1)
      --upstream URL          forward allowed requests here (default: answer with a JSON echo)
      --watch                 preprocess CRLs dropped into a folder store (the S3 trigger's stand-in)
      --cert FILE --key FILE  the server certificate and key (default: a self-signed localhost one made with
                              openssl in a temp folder, printed, removed on exit)
      --revalidate-seconds N  background revalidation interval (default CRL_REVALIDATE_SECONDS, else 0)
      --max-stale-seconds N   deny what an index not confirmed for this long covers (default 300)
      --fetch NAME=URL        with --watch: fetch this CRL URL into <NAME>.crl on a schedule; repeat for several
      --fetch-seconds N       how often --fetch runs (default 900)
      --ocsp-mode MODE        off, fallback, prefer or require (default OCSP_MODE, else off)
      --ocsp URL              the OCSP responder (default OCSP_URL, else each certificate's AIA)
      --quiet                 no per-request lines
      --verbose               also the authorizer's per-decision metric (EMF) lines`,
  fetch: `fetch URL --out FILE [--tls-ca FILE] [--timeout-ms N]
    download a CRL over http(s) with the fetcher's limits (size, time, redirects, no https->http)
      --out FILE              where to write it; replaced atomically, and only when the bytes changed
      --tls-ca FILE           extra CA certificate(s) to trust for an https URL
      --timeout-ms N          the whole download's time budget (default the fetcher's)`,
  status: `status --store URL [--at ISO-8601] [--expiring-hours N] [--json]
    every blob in a store: issuer, scope, CRL number, dates and time left, entries, size, its CRL and the
    preprocessor's last outcome for it, and the denylist's size; exits 2 when something needs a human
      --store URL             file:///path or s3://bucket/prefix
      --at ISO-8601           judge expiry at this time (default now)
      --expiring-hours N      mark a blob expiring when its nextUpdate is this close (default 24)
      --json                  one JSON object: {blobs: [...], denylist: {...}, attention: [...]}`,
  deny: `deny add|remove|list --store URL [selector] [--reason TEXT] [--expires ISO-8601] [--by NAME] [--json]
    edit the break-glass denylist (denylist.json, or CRL_DENYLIST_KEY) without losing a concurrent edit
      selector, one of:
        --serial HEX --issuer-cert FILE   a serial of the CA whose certificate is given
        --sha256 HEX                      the SHA-256 fingerprint of the certificate's DER
        --subject NAME                    an RFC 4514 subject, compared by RFC 5280 rules
      --reason TEXT           why (add: required); shown in the decision line of every denied request
      --expires ISO-8601      the entry stops matching then (add)
      --by NAME               who adds it (default $USER)
      --key KEY               the denylist's key in the store (default CRL_DENYLIST_KEY or denylist.json)
      --json                  list: the denylist as JSON`,
};

export const EXIT_CODES =
  'exit codes: 0 good (or success), 1 revoked, 2 unknown, rejected or needs attention, 64 usage, 66 input missing,\n' +
  '            70 internal error, 73 output cannot be written';

export function commandUsage(name: string): string {
  return `usage: crl-authorizer ${COMMAND_USAGE[name]}\n\n${EXIT_CODES}`;
}

export const USAGE = `usage: crl-authorizer <command> [options]    (crl-authorizer <command> --help for its flags)

commands:
${Object.values(COMMAND_USAGE)
  .map((u) => {
    const lines = u.split('\n');
    const head = lines.findIndex((l) => l.startsWith('      '));
    return '  ' + lines.slice(0, head < 0 ? lines.length : head).join('\n  ');
  })
  .join('\n')}

  --version  print the version

${EXIT_CODES}`;
