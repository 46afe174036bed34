/** Kept for bench/tasks/deployed.ts: the fixture lives in test/support/pki.ts. */
export { makePki } from '../support/pki.js';
