import { useTempDir as tempDirs } from '../helpers/temp-dirs.js';
import { isVigilError, type ErrorCode, type VigilError } from '../../src/errors.js';

/** A fresh temp dir per call, removed after each test. */
export const useTempDir = (prefix = 'vigil-unit-'): (() => string) => tempDirs(prefix);

/** Run `fn`, expect it to throw a VigilError with `code`, and return that error. */
export function vigilErrorOf(fn: () => unknown, code: ErrorCode): VigilError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error(`expected ${code}, nothing was thrown`);
  if (!isVigilError(thrown, code)) throw new Error(`expected ${code}, got ${String(thrown)}`, { cause: thrown });
  return thrown;
}
