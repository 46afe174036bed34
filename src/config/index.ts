export { envBoolean, envChoice, envInteger, envList, envString, type Env } from './env.js';
export * from './names.js';
