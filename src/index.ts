/**
 * crl-authorizer core: verify a CRL, pack it into a blob, look serials up in WebAssembly. The Lambda handlers are
 * behind the `crl-authorizer/authorizer` and `crl-authorizer/preprocessor` subpaths, the CDK construct behind
 * `crl-authorizer/cdk`.
 */
export { CrlAuthorizerError, CODES, type Code } from './errors.js';
export { readCertificate, type CertFacts } from './x509/cert.js';
export { verifyCrl } from './crl/verify.js';
export { preprocess, readCertificates, type PreprocessOptions, type PreprocessResult } from './preprocessor/preprocess.js';
export { encodeBlob } from './blob/encode.js';
export { readBlobHeader, verifyBlob, type BlobHeader, type BlobMeta } from './blob/header.js';
export { RevocationIndex } from './lookup/index.js';
export { decide, type Verdict, type Status } from './lookup/decide.js';
