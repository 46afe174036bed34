import { envBoolean, envInteger, envList, envStoreUrl, envString, type Env } from '../config/env.js';
import { METRIC, METRIC_NAMESPACE } from '../config/names.js';
import { CrlAuthorizerError } from '../errors.js';
import { countEntry, writeJsonLine, type LambdaLogging } from '../log/emf.js';
import { MAX_LAMBDA_WAIT_MS } from '../limits.js';
import { openStore } from '../store/open.js';
import type { ObjectStore } from '../store/types.js';
import type { S3Event } from './events.js';
import type { RecordOutcome } from './outcome.js';
import { createPreprocessor } from './process.js';
import { privateCaFromEnv, privateCaResolver, type CaCertificateResolver } from './private-ca.js';

export { BLOB_SUFFIX, CA_CERT_SUFFIX, DEFAULT_CRL_SUFFIXES, METRIC_NAMESPACE, OUTCOME_SUFFIX } from '../config/names.js';
export { decodeKey, type S3Event, type S3EventRecord } from './events.js';
export type { RecordOutcome } from './outcome.js';

/** The metric a refused CRL counts in (the construct's alarms read the same name). */
export const CRL_REJECTED_METRIC = METRIC.crlRejected;
/**
 * Store calls here move whole CRLs and blobs (tens of MB for a million entries), not the authorizer's small
 * conditional GETs, so the preprocessor's per-call budget is longer unless CRL_STORE_TIMEOUT_MS sets one.
 */
export const PREPROCESSOR_STORE_TIMEOUT_MS = 120_000;

export interface PreprocessorOptions extends LambdaLogging {
  /** CRL_STORE_URL: `s3://bucket/prefix` or `file:///path`. Required unless `store` is given. */
  storeUrl?: string;
  /** A ready store (tests, custom clients). Its `url` says which bucket and prefix events must name. */
  store?: ObjectStore;
  /** CRL_SUFFIXES. @default ['.crl', '.crl.pem'] */
  suffixes?: readonly string[];
  /** CA_CERT_KEY: one CA certificate file for every CRL, relative to the prefix. @default `<name>.ca.pem` */
  caCertKey?: string;
  /** CRL_ALLOW_NO_NEXT_UPDATE. @default false */
  allowNoNextUpdate?: boolean;
  /**
   * Where a CRL's CA certificate comes from when no `<name>.ca.pem` is beside it (given the CRL's bucket key):
   * AWS Private CA (PRIVATE_CA_ARNS, src/preprocessor/private-ca.ts). @default none
   */
  caCertificates?: CaCertificateResolver;
}

export interface PreprocessorResult {
  outcomes: RecordOutcome[];
}

/** Reads the preprocessor's configuration from the environment, once (DESIGN.md "Environment"). */
export function optionsFromEnv(env: Env = process.env): PreprocessorOptions {
  const storeUrl = envStoreUrl(env);
  const suffixes = envList(env, 'CRL_SUFFIXES');
  const caCertKey = envString(env, 'CA_CERT_KEY');
  const timeoutMs = envInteger(
    env,
    'CRL_STORE_TIMEOUT_MS',
    PREPROCESSOR_STORE_TIMEOUT_MS,
    1,
    MAX_LAMBDA_WAIT_MS,
  );
  return {
    storeUrl,
    store: openStore(storeUrl, { timeoutMs }),
    ...(suffixes && { suffixes }),
    ...(caCertKey && { caCertKey }),
    allowNoNextUpdate: envBoolean(env, 'CRL_ALLOW_NO_NEXT_UPDATE', false),
    ...privateCaOptions(env),
  };
}

function privateCaOptions(env: Env): Pick<PreprocessorOptions, 'caCertificates'> {
  const pca = privateCaFromEnv(env);
  return pca ? { caCertificates: privateCaResolver(pca) } : {};
}

/**
 * The S3-event Lambda handler over `createPreprocessor`: it logs each outcome (a refused CRL as an EMF line that
 * counts it) and fails the invocation when a record was rejected, so the failure is visible in Lambda's metrics.
 */
export type PreprocessorHandler = (event: S3Event) => Promise<PreprocessorResult>;

export function createPreprocessorHandler(options: PreprocessorOptions): PreprocessorHandler {
  const store = options.store ?? openStore(requireUrl(options), { timeoutMs: PREPROCESSOR_STORE_TIMEOUT_MS });
  const now = options.now ?? (() => new Date());
  const log = options.log ?? writeJsonLine;
  const run = createPreprocessor({
    store,
    ...(options.storeUrl !== undefined && { storeUrl: options.storeUrl }),
    ...(options.suffixes !== undefined && { suffixes: options.suffixes }),
    ...(options.caCertKey !== undefined && { caCertKey: options.caCertKey }),
    ...(options.allowNoNextUpdate !== undefined && { allowNoNextUpdate: options.allowNoNextUpdate }),
    ...(options.caCertificates !== undefined && { caCertificates: options.caCertificates }),
    now,
    warn: log,
  });
  return async (event: S3Event) => {
    const outcomes = await run(event);
    for (const o of outcomes) log(logEntry(o, now()));
    const failed = outcomes.filter((o) => o.action === 'rejected');
    if (failed.length > 0) {
      throw new CrlAuthorizerError(failed[0]!.code, failed.map((f) => `${f.key}: ${f.code} ${f.message}`).join('; '));
    }
    return { outcomes };
  };
}

/** A rejected record's line is also an EMF document, so the log line and the metric are one write. */
function logEntry(o: RecordOutcome, at: Date): Record<string, unknown> {
  if (o.action !== 'rejected') return { level: 'info', event: `crl.${o.action}`, ...o };
  const fields = { level: 'error', event: 'crl.rejected', key: o.key, code: o.code, message: o.message };
  return countEntry(METRIC_NAMESPACE, CRL_REJECTED_METRIC, {}, at.getTime(), fields);
}

function requireUrl(options: PreprocessorOptions): string {
  if (!options.storeUrl) throw new CrlAuthorizerError('usage', 'the preprocessor needs a storeUrl or a store');
  return options.storeUrl;
}

let defaultHandler: PreprocessorHandler | undefined;

/** The Lambda entry point: configuration from the environment, read on the first event. */
export async function handler(event: S3Event): Promise<PreprocessorResult> {
  defaultHandler ??= createPreprocessorHandler(optionsFromEnv());
  return defaultHandler(event);
}
