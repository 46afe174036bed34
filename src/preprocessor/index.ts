export {
  handler,
  createPreprocessorHandler,
  optionsFromEnv,
  decodeKey,
  DEFAULT_CRL_SUFFIXES,
  CA_CERT_SUFFIX,
  BLOB_SUFFIX,
  OUTCOME_SUFFIX,
  METRIC_NAMESPACE,
  CRL_REJECTED_METRIC,
  PREPROCESSOR_STORE_TIMEOUT_MS,
  type PreprocessorOptions,
  type PreprocessorResult,
  type PreprocessorHandler,
  type RecordOutcome,
  type S3Event,
  type S3EventRecord,
} from './handler.js';
export { preprocess, blobMeta, readCertificates, type PreprocessOptions, type PreprocessResult } from './preprocess.js';
export { createPreprocessor, type ProcessOptions } from './process.js';
export { outcomeRecord, type OutcomeRecord } from './outcome.js';
