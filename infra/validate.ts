import { Token } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { CrlAuthorizerProps } from './crl-authorizer.js';
import { privateCaPaths } from './private-ca.js';
import { LAMBDA_MAX_MEMORY_MB, LAMBDA_MIN_MEMORY_MB, SIZING, sizingRow } from './sizing.js';

/** The authorizer's own range for CRL_STORE_TIMEOUT_MS (src/authorizer/config.ts MAX_STORE_TIMEOUT_MS). */
const MAX_STORE_TIMEOUT_MS = 9000;
/** The authorizer's Lambda timeout, which API Gateway's 10 s authorizer limit sets. */
const AUTHORIZER_TIMEOUT_MS = 10_000;
/** Keys the construct itself writes or reads beside CRLs; a CRL suffix must not catch them. */
const OWN_SUFFIXES = ['.cache.bin', '.ca.pem'];
const PRIVATE_CA_ARN = /^arn:[a-z-]+:acm-pca:[a-z0-9-]+:\d{12}:certificate-authority\/[\w-]+$/;

type Check = (props: CrlAuthorizerProps) => string[];

const known = <T>(v: T | undefined): v is T => v !== undefined && !Token.isUnresolved(v);

const bucketChoice: Check = (p) => (p.bucket && p.bucketProps ? ['give either bucket or bucketProps, not both'] : []);

const prefixShape: Check = ({ prefix }) => {
  if (!known(prefix) || prefix === '') return [];
  return [
    ...(prefix.startsWith('/') ? [`prefix must not start with "/" (got "${prefix}")`] : []),
    ...(!prefix.endsWith('/') ? [`prefix must be empty or end with "/" (got "${prefix}")`] : []),
    ...(/[*?]/.test(prefix) ? [`prefix must not contain wildcards (got "${prefix}")`] : []),
  ];
};

const suffixes: Check = ({ crlSuffixes: list }) => {
  if (!list) return [];
  const problems: string[] = [];
  if (list.length === 0) problems.push('crlSuffixes must name at least one suffix');
  for (const s of list) {
    if (!/^\.[A-Za-z0-9._-]+$/.test(s)) problems.push(`crl suffix "${s}" must start with "." and have no wildcards`);
    if (OWN_SUFFIXES.some((o) => o.endsWith(s) || s.endsWith(o))) {
      problems.push(`crl suffix "${s}" would match the construct's own blob or CA certificate keys`);
    }
  }
  // S3 refuses overlapping notification filters, and one key would be read as two CRL names.
  for (const a of list) for (const b of list) if (a !== b && a.endsWith(b)) problems.push(`crl suffixes "${a}" and "${b}" overlap`);
  if (new Set(list).size !== list.length) problems.push('crlSuffixes has duplicates');
  return problems;
};

const caCertKey: Check = ({ caCertKey: key }) =>
  known(key) && (key === '' || key.startsWith('/'))
    ? ['caCertKey must be a key relative to the prefix, without a leading "/"']
    : [];

const integers: Check = (p) => {
  const problems: string[] = [];
  const atLeast = (name: string, v: number | 'none' | undefined, min: number) => {
    if (v === undefined || v === 'none' || Token.isUnresolved(v)) return;
    if (!Number.isInteger(v) || v < min) problems.push(`${name} must be an integer >= ${min} (got ${v})`);
  };
  atLeast('reservedConcurrency', p.reservedConcurrency, 1);
  atLeast('preprocessorReservedConcurrency', p.preprocessorReservedConcurrency, 1);
  atLeast('provisionedConcurrency', p.provisionedConcurrency, 1);
  atLeast('revalidateSeconds', p.revalidateSeconds, 0);
  atLeast('freshSeconds', p.freshSeconds, 0);
  atLeast('maxStaleSeconds', p.maxStaleSeconds, 0);
  atLeast('nextUpdateGraceSeconds', p.nextUpdateGraceSeconds, 0);
  atLeast('storeTimeoutMs', p.storeTimeoutMs, 1);
  atLeast('loadTimeoutMs', p.loadTimeoutMs, 1);
  atLeast('maxCrlEntries', p.maxCrlEntries, 1);
  return problems;
};

/** Lambda accepts 128 to 10240 MB. */
const memory: Check = (p) =>
  ([['authorizerMemorySize', p.authorizerMemorySize], ['preprocessorMemorySize', p.preprocessorMemorySize]] as const)
    .filter(([, mem]) => mem !== undefined && (!Number.isInteger(mem) || mem < LAMBDA_MIN_MEMORY_MB || mem > LAMBDA_MAX_MEMORY_MB))
    .map(([name, mem]) => `${name} must be an integer between 128 and 10240 MiB (got ${mem})`);

/** Provisioned concurrency is taken out of the function's reserved concurrency when it has one. */
const concurrency: Check = ({ reservedConcurrency: reserved, provisionedConcurrency: provisioned }) =>
  typeof reserved === 'number' && provisioned !== undefined && provisioned > reserved
    ? [`provisionedConcurrency (${provisioned}) must not exceed reservedConcurrency (${reserved})`]
    : [];

/** Every store call and the whole blob load run inside the authorizer's 10 s; the freshness bound inside the stale one. */
const timing: Check = (p) => {
  const problems: string[] = [];
  if (known(p.storeTimeoutMs) && p.storeTimeoutMs > MAX_STORE_TIMEOUT_MS) {
    problems.push(`storeTimeoutMs must stay under the authorizer's 10 s timeout: at most ${MAX_STORE_TIMEOUT_MS} (got ${p.storeTimeoutMs})`);
  }
  if (known(p.loadTimeoutMs) && p.loadTimeoutMs >= AUTHORIZER_TIMEOUT_MS) {
    problems.push(`loadTimeoutMs must stay under the authorizer's 10 s timeout (got ${p.loadTimeoutMs})`);
  }
  const revalidate = p.revalidateSeconds ?? 10;
  if (known(p.freshSeconds) && revalidate > 0 && p.freshSeconds < revalidate) {
    problems.push(`freshSeconds (${p.freshSeconds}) must be >= revalidateSeconds (${revalidate})`);
  }
  if (p.nextUpdateWarning && !p.nextUpdateWarning.isUnresolved() && p.nextUpdateWarning.toSeconds() <= 0) {
    problems.push('nextUpdateWarning must be positive');
  }
  if (p.maxCrlAge && !p.maxCrlAge.isUnresolved() && p.maxCrlAge.toSeconds() <= 0) problems.push('maxCrlAge must be positive');
  return problems;
};

/** Above the largest measured size there is no figure to size from: the user must choose the memory. */
const sizing: Check = (p) => {
  if (!known(p.maxCrlEntries) || sizingRow(p.maxCrlEntries)) return [];
  if (p.authorizerMemorySize !== undefined && p.preprocessorMemorySize !== undefined) return [];
  const largest = SIZING[SIZING.length - 1]!.entries;
  return [`maxCrlEntries ${p.maxCrlEntries} is above the largest measured size (${largest}): set authorizerMemorySize and preprocessorMemorySize yourself`];
};

const responseType: Check = ({ responseType: r }) =>
  r !== undefined && r !== 'policy' && r !== 'simple' ? [`responseType must be "policy" or "simple" (got "${String(r)}")`] : [];

const cacheKeys: Check = ({ cacheKeys: keys }) =>
  keys && keys.some((k) => !k.endsWith('.cache.bin')) ? ['cacheKeys must all end in .cache.bin'] : [];

/**
 * Private CA writes at fixed keys from the bucket root (`acm-pca-permission-test-key`, `crl/<CA id>.crl`, its
 * custom path): each CRL location must lie under the prefix, or the preprocessor is never notified.
 */
const privateCas: Check = (p) => {
  const cas = p.privateCas;
  if (!cas) return [];
  const problems: string[] = [];
  if (cas.length === 0) problems.push('privateCas must name at least one CA');
  for (const { certificateAuthority, customPath } of cas) {
    const arn = certificateAuthority.certificateAuthorityArn;
    if (!Token.isUnresolved(arn) && !PRIVATE_CA_ARN.test(arn)) problems.push(`"${arn}" is not an AWS Private CA ARN`);
    if (customPath !== undefined && !/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(customPath)) {
      problems.push(`customPath "${customPath}" must be a key path without leading or trailing "/" or wildcards`);
    }
  }
  const prefix = p.prefix ?? '';
  if (known(prefix)) {
    for (const path of privateCaPaths(cas)) {
      if (!`${path}/`.startsWith(prefix)) {
        problems.push(`Private CA writes CRLs under "${path}/", which is outside the prefix "${prefix}" (use prefix "" or "${path}/")`);
      }
    }
  }
  if (p.bucket) problems.push('privateCas needs the bucket the construct builds (see docs/deploy.md for an existing one)');
  if (p.crlSuffixes && !p.crlSuffixes.includes('.crl')) problems.push('privateCas needs ".crl" among crlSuffixes (Private CA writes <name>.crl)');
  return problems;
};

const CHECKS: readonly Check[] = [
  bucketChoice, prefixShape, suffixes, caCertKey, integers, memory, concurrency, timing, sizing, responseType,
  cacheKeys, privateCas,
];

/** Checks every prop before anything is built and reports all problems in one error. */
export function validateProps(scope: Construct, props: CrlAuthorizerProps): void {
  const problems = CHECKS.flatMap((check) => check(props));
  if (problems.length > 0) {
    throw new Error(`CrlAuthorizer ${scope.node.path}: invalid props: ${problems.join('; ')}`);
  }
}
