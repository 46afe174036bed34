import { codeOf } from '../../src/errors.js';

/** The code a promise rejects with, or 'no error': one assertion covers "it failed" and "with this code". */
export async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return codeOf(e);
  }
}
