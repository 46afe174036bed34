export { envBoolean, envChoice, envInteger, envList, envStoreUrl, envString, type Env } from './env.js';
export * from './names.js';
