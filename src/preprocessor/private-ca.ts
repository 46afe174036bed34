/**
 * AWS Private CA without hand steps: a CRL that Private CA wrote into the bucket has no `<name>.ca.pem` beside it,
 * and its CA certificate comes only from `GetCertificateAuthorityCertificate`. This module maps a CRL's bucket key
 * to its CA from Private CA's own layouts and fetches (and keeps) that certificate.
 *
 * Layouts (DESIGN.md "Object names for what came later"):
 * - complete CRLs: `crl/<CA id>.crl` at the bucket root;
 * - partitioned CRLs, or a CA with a `CustomPath`: `<custom path>/<partition GUID>.crl`, the path given per CA in
 *   PRIVATE_CA_PATHS (`{"<custom path>": "<CA ARN>"}`), since nothing in the key names the CA.
 */
import { CrlAuthorizerError, codeOf, messageOf, type Code } from '../errors.js';

/** CA certificates (PEM or DER) for the CRL at a bucket key, or undefined when the key is not a Private CA's. */
export type CaCertificateResolver = (bucketKey: string, opts?: { refresh?: boolean }) => Promise<Uint8Array[] | undefined>;

const ARN = /^arn:aws[a-z-]*:acm-pca:([a-z0-9-]+):(\d{12}):certificate-authority\/([0-9A-Za-z-]+)$/;

export interface PrivateCaOptions {
  /** PRIVATE_CA_ARNS */
  arns: readonly string[];
  /** PRIVATE_CA_PATHS: custom path (bucket key prefix, without a trailing slash) → CA ARN. */
  paths?: Readonly<Record<string, string>>;
  /** Passed to every `ACMPCAClient` (tests: a local endpoint and static credentials). The region comes from the ARN. */
  clientConfig?: Record<string, unknown>;
}

/** The part of ACMPCAClient this module uses. */
interface PcaClient {
  send(command: unknown): Promise<{ Certificate?: string }>;
}

/** Reads PRIVATE_CA_ARNS and PRIVATE_CA_PATHS; undefined when PRIVATE_CA_ARNS is unset. A bad value fails loudly. */
export function privateCaFromEnv(env: Readonly<Record<string, string | undefined>>): PrivateCaOptions | undefined {
  const arns = (env.PRIVATE_CA_ARNS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const rawPaths = env.PRIVATE_CA_PATHS?.trim();
  if (arns.length === 0) {
    if (rawPaths) throw new CrlAuthorizerError('usage', 'PRIVATE_CA_PATHS is set but PRIVATE_CA_ARNS is not');
    return undefined;
  }
  let paths: Record<string, string> | undefined;
  if (rawPaths) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawPaths);
    } catch (e) {
      throw new CrlAuthorizerError('usage', `PRIVATE_CA_PATHS is not JSON: ${messageOf(e)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new CrlAuthorizerError('usage', 'PRIVATE_CA_PATHS must be a JSON object {"<custom path>": "<CA ARN>"}');
    }
    paths = parsed as Record<string, string>;
  }
  const options = { arns, ...(paths && { paths }) };
  validate(options);
  return options;
}

function validate(o: PrivateCaOptions): void {
  for (const arn of o.arns) {
    if (!ARN.test(arn)) throw new CrlAuthorizerError('usage', `PRIVATE_CA_ARNS: ${JSON.stringify(arn)} is not a Private CA ARN`);
  }
  for (const [path, arn] of Object.entries(o.paths ?? {})) {
    if (typeof arn !== 'string' || !o.arns.includes(arn)) {
      throw new CrlAuthorizerError('usage', `PRIVATE_CA_PATHS: path ${JSON.stringify(path)} names ${JSON.stringify(arn)}, which is not in PRIVATE_CA_ARNS`);
    }
  }
}

/** Which CA wrote the CRL at `bucketKey`, by Private CA's layouts; undefined when none of the configured ones. */
export function caArnForKey(bucketKey: string, o: PrivateCaOptions): string | undefined {
  // The longest custom path first, so `a/b` wins over `a` for `a/b/x.crl`.
  const custom = Object.entries(o.paths ?? {}).sort((x, y) => y[0].length - x[0].length);
  for (const [path, arn] of custom) {
    const p = path.replace(/^\/+|\/+$/g, '');
    if (bucketKey.startsWith(p + '/') && !bucketKey.slice(p.length + 1).includes('/')) return arn;
  }
  const m = /^crl\/([^/]+)\.crl$/.exec(bucketKey);
  if (!m) return undefined;
  return o.arns.find((arn) => ARN.exec(arn)![3] === m[1]);
}

/**
 * A resolver over the configured CAs. Each CA's certificate is fetched once and kept for the container's life;
 * `refresh` fetches it again (the caller does so once when a CRL's signature does not verify: a rotated CA key).
 * `@aws-sdk/client-acm-pca` is imported on first use, so a preprocessor without Private CAs never loads it.
 */
export function privateCaResolver(o: PrivateCaOptions): CaCertificateResolver {
  validate(o);
  const clients = new Map<string, Promise<{ client: PcaClient; Command: new (input: object) => unknown }>>();
  const certs = new Map<string, Promise<Uint8Array>>();

  function clientFor(region: string) {
    let c = clients.get(region);
    if (!c) {
      c = import('@aws-sdk/client-acm-pca').then((m) => ({
        client: new m.ACMPCAClient({ region, ...o.clientConfig }) as unknown as PcaClient,
        Command: m.GetCertificateAuthorityCertificateCommand as unknown as new (input: object) => unknown,
      }));
      clients.set(region, c);
    }
    return c;
  }

  async function fetchCertificate(arn: string): Promise<Uint8Array> {
    const region = ARN.exec(arn)![1]!;
    const { client, Command } = await clientFor(region);
    let pem: string | undefined;
    try {
      pem = (await client.send(new Command({ CertificateAuthorityArn: arn }))).Certificate;
    } catch (e) {
      throw new CrlAuthorizerError(
        'crl.ca-missing',
        `GetCertificateAuthorityCertificate for ${arn} failed: ${(e as { name?: string }).name ?? 'error'}: ${messageOf(e)}`,
        { cause: e },
      );
    }
    if (!pem) throw new CrlAuthorizerError('crl.ca-missing', `GetCertificateAuthorityCertificate for ${arn} returned no certificate`);
    return new Uint8Array(Buffer.from(pem, 'utf8'));
  }

  return async (bucketKey, opts = {}) => {
    const arn = caArnForKey(bucketKey, o);
    if (!arn) return undefined;
    let p = certs.get(arn);
    if (!p || opts.refresh) {
      p = fetchCertificate(arn);
      certs.set(arn, p);
      // A failed fetch is not kept: the next CRL asks again.
      p.catch(() => certs.delete(arn));
    }
    return [await p];
  };
}

/** Codes that a CA certificate replaced since it was cached (key rotation) would explain. */
const KEY_CHANGE: readonly Code[] = ['crl.signature-invalid', 'crl.key-id-mismatch', 'crl.issuer-mismatch'];

/**
 * Runs `verify` with the resolved CA certificates; when it fails in a way a rotated CA key explains, fetches the
 * certificate again once and retries. Anything else, or a second failure, is thrown as it is.
 */
export async function withRefreshedCa<T>(
  resolve: CaCertificateResolver,
  bucketKey: string,
  cas: Uint8Array[],
  verify: (cas: Uint8Array[]) => T,
): Promise<T> {
  try {
    return verify(cas);
  } catch (e) {
    if (!KEY_CHANGE.includes(codeOf(e))) throw e;
    const fresh = await resolve(bucketKey, { refresh: true });
    if (!fresh) throw e;
    return verify(fresh);
  }
}
