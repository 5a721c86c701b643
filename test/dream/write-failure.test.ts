import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isVigilError } from '../../src/errors.js';
import { dreamLockPath } from '../../src/dream/index.js';
import { FailingFs, useTempDirs } from '../memory/helpers.js';
import { copyHome, dreamOn, fillHome, homeIn, memoryFiles, type Home } from './fixture.js';
import { makeRepo } from './synthetic.js';

const tempDir = useTempDirs('vigil-wfail-');

let repo: string;
let base: Home;
let oldFiles: Record<string, string>;
let newFiles: Record<string, string>;

beforeAll(async () => {
  const fixed = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'vigil-wfail-base-'));
  repo = makeRepo(fixed);
  base = homeIn(path.join(fixed, 'home'));
  await fillHome(base, 1, 20);
  await dreamOn({ home: base, repo, at: new Date(2026, 0, 21, 3).getTime() });
  await fillHome(base, 21, 30);
  oldFiles = memoryFiles(base);
  const clean = copyHome(base, path.join(fixed, 'clean'));
  await dreamOn({ home: clean, repo });
  newFiles = memoryFiles(clean);
  return () => fs.rmSync(fixed, { recursive: true, force: true });
});

describe('a write that fails midway (injected filesystem)', () => {
  it('differs: the dream changes files, so there is something to break', () => {
    expect(Object.keys(newFiles).filter((k) => oldFiles[k] !== newFiles[k]).length).toBeGreaterThanOrEqual(2);
  });

  it('at every write of the dream: each file wholly old or wholly new, MEMORY.md last, the lock released, the next dream converges', async () => {
    let failedAt = 0;
    for (let n = 1; ; n++) {
      const home = copyHome(base, tempDir());
      const failing = new FailingFs(n);
      let error: unknown;
      try {
        await dreamOn({ home, repo, fsx: failing });
      } catch (err) {
        error = err;
      }
      if (!error) {
        // The n-th write is past the last one: the dream ran to the end.
        expect(memoryFiles(home)).toEqual(newFiles);
        break;
      }
      failedAt = n;
      expect(isVigilError(error, 'VIGIL_ERR_DREAM_FAILED'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/ENOSPC/);
      const files = memoryFiles(home);
      for (const rel of new Set([...Object.keys(oldFiles), ...Object.keys(newFiles), ...Object.keys(files)])) {
        expect([oldFiles[rel], newFiles[rel]], `${rel} after failing write ${n}`).toContain(files[rel]);
      }
      // The index is rewritten only after every topic write succeeded.
      if (files['MEMORY.md'] !== oldFiles['MEMORY.md']) {
        for (const rel of Object.keys(newFiles)) expect(files[rel], `${rel} before the index`).toBe(newFiles[rel]);
      }
      expect(fs.existsSync(dreamLockPath(home.dir))).toBe(false);
      await dreamOn({ home, repo });
      expect(memoryFiles(home), `recovery after failing write ${n}`).toEqual(newFiles);
    }
    // Topic versions, topics, the index's version and the index: several points were hit.
    expect(failedAt).toBeGreaterThanOrEqual(4);
  });
});
