import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { isVigilError, type ErrorCode, type VigilError } from '../../src/errors.js';

/** A fresh temp dir per call, removed after each test. */
export function useTempDir(prefix = 'vigil-unit-'): () => string {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
}

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
