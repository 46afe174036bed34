/**
 * The authorizer's OCSP settings (DESIGN.md "Environment"): read once with the rest of the configuration, range-
 * checked, a bad value failing the cold start. Precedence: what `createHandler({ ocsp })` passes, then the
 * environment, then the defaults.
 */
import { choiceOf, envList, envString, integerOf, type Env } from '../config/env.js';
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

/** The settings a variable or a flag can set as text. */
type Setting = 'mode' | 'timeoutMs' | 'url';

/**
 * Each setting's rule, once for the variables and the flags (`serve`, `check`) so that both accept the same values
 * and refuse them in the same words; `name` (the variable or the flag) is what the `usage` error names.
 */
const READ: { readonly [S in Setting]: (text: string, name: string) => OcspConfig[S] } = {
  mode: (t, name) => choiceOf(t, name, OCSP_MODES),
  timeoutMs: (t, name) => integerOf(t, name, 1, MAX_OCSP_TIMEOUT_MS),
  url: (t, name) => {
    if (!/^https?:\/\/[^/\s]+/i.test(t)) throw new CrlAuthorizerError('usage', `${name} must be an http:// or https:// URL, got ${JSON.stringify(t)}`);
    return t;
  },
};

const VARIABLE: Readonly<Record<Setting, string>> = { mode: 'OCSP_MODE', timeoutMs: 'OCSP_TIMEOUT_MS', url: 'OCSP_URL' };
const FLAG: Readonly<Record<Setting, string>> = { mode: '--ocsp-mode', timeoutMs: '--ocsp-timeout-ms', url: '--ocsp' };

export function readOcspConfig(env: Env = process.env, overrides: Partial<OcspConfig> = {}): OcspConfig {
  const fromEnv = <S extends Setting>(s: S): OcspConfig[S] | undefined => {
    const text = envString(env, VARIABLE[s]);
    return text === undefined ? undefined : READ[s](text, VARIABLE[s]);
  };
  const url = fromEnv('url');
  const issuerKeys = envList(env, 'OCSP_ISSUER_CERTS');
  const config: OcspConfig = {
    mode: fromEnv('mode') ?? 'off',
    timeoutMs: fromEnv('timeoutMs') ?? DEFAULT_OCSP_TIMEOUT_MS,
    ...(url && { url }),
    ...(issuerKeys && { issuerKeys }),
  };
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (config as unknown as Record<string, unknown>)[k] = v;
  return config;
}

/**
 * The OCSP flags of `serve` and `check` (`--ocsp-mode`, `--ocsp-timeout-ms`, `--ocsp URL`), read by the variables'
 * rules; only the flags given are returned. A flag's text is taken as given (not trimmed; empty is refused). A bad
 * one is a `usage` error naming the flag: `--ocsp-mode: must be one of off, fallback, prefer, require, got "x"`.
 */
export function readOcspFlags(flags: Partial<Record<Setting, string>>): Partial<OcspConfig> {
  const out: Partial<OcspConfig> = {};
  for (const s of Object.keys(READ) as Setting[]) {
    const text = flags[s];
    if (text !== undefined) (out as Record<Setting, unknown>)[s] = READ[s](text, `${FLAG[s]}:`);
  }
  return out;
}
