export * from './cert.js';
export * from './name.js';
export * from './general-name.js';
export * from './extensions.js';
