/**
 * The authorizer's OCSP settings (DESIGN.md "Environment"): read once with the rest of the configuration, range-
 * checked, a bad value failing the cold start. Precedence: what `createHandler({ ocsp })` passes, then the
 * environment, then the defaults.
 */
import { envChoice, envInteger, envList, envString, type Env } from '../config/env.js';
import { CrlAuthorizerError } from '../errors.js';
import { OCSP_MODES, type OcspMode } from './mode.js';
import { DEFAULT_OCSP_TIMEOUT_MS } from './source.js';

export interface OcspConfig {
  /** `OCSP_MODE`. @default 'off' */
  mode: OcspMode;
  /** `OCSP_TIMEOUT_MS`: each OCSP call. @default 1000 */
  timeoutMs: number;
  /** `OCSP_URL`: a responder overriding the certificates' authority information access. */
  url?: string;
  /** `OCSP_ISSUER_CERTS`: store keys of the CA certificates OCSP answers for. @default every `*.ca.pem` under the prefix */
  issuerKeys?: string[];
}

/** Under API Gateway's 10 s authorizer limit, with room for the rest of the request. */
export const MAX_OCSP_TIMEOUT_MS = 9000;

export function readOcspConfig(env: Env = process.env, overrides: Partial<OcspConfig> = {}): OcspConfig {
  const url = envString(env, 'OCSP_URL');
  if (url !== undefined && !/^https?:\/\/[^/\s]+/i.test(url)) {
    throw new CrlAuthorizerError('usage', `OCSP_URL must be an http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  const issuerKeys = envList(env, 'OCSP_ISSUER_CERTS');
  const config: OcspConfig = {
    mode: envChoice(env, 'OCSP_MODE', OCSP_MODES, 'off'),
    timeoutMs: envInteger(env, 'OCSP_TIMEOUT_MS', DEFAULT_OCSP_TIMEOUT_MS, 1, MAX_OCSP_TIMEOUT_MS),
    ...(url && { url }),
    ...(issuerKeys && { issuerKeys }),
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (config as unknown as Record<string, unknown>)[k] = v;
  return config;
}
