import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/home.js';

/**
 * Issue 18, idle RSS: `vigil start` caps V8's young generation (src/runtime.ts), set at
 * run time through V8's flags. Whether a flag set after the heap exists still takes is up
 * to the Node.js in use, so this runs the built function in a fresh process on this Node,
 * allocates as a burst of deliveries would, and reads the new space's pages — beside the
 * same burst without the cap, which grows it.
 */
const BURST = `
  import v8 from 'node:v8';
  if (process.argv[1] === 'capped') (await import(process.argv[2])).capYoungGeneration();
  let keep = [];
  for (let i = 0; i < 2e6; i++) { keep.push({ i, text: 'delivery ' + i }); if (keep.length > 50000) keep = []; }
  const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
  console.log(space.physical_space_size);
`;

function newSpaceAfterBurst(mode: 'capped' | 'default'): number {
  const runtime = path.join(ROOT, 'dist/runtime.js');
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', BURST, mode, runtime], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  return Number(run.stdout.trim());
}

// Measured on Node 24.21 (2026-12-03), 24 bursts each: capped 2 MB in 21, 5.1–8.7 MB in 3
// (the growth factor holds most, not all, of the time: V8 still grows the space it set
// up before the flag); uncapped 32–110 MB in every one. A failed clean-clone run met
// 4.6 MB against the earlier bound of 4: the bound is now below every uncapped figure.
describe('the young generation of vigil start', () => {
  it('stays at a few MB through a burst of allocation that grows an uncapped one past 16 MB', () => {
    const capped = newSpaceAfterBurst('capped');
    const uncapped = newSpaceAfterBurst('default');
    console.log(`new space after the burst: capped ${(capped / 2 ** 20).toFixed(1)} MB, default ${(uncapped / 2 ** 20).toFixed(1)} MB`);
    expect(uncapped).toBeGreaterThan(16 * 2 ** 20);
    expect(capped).toBeLessThanOrEqual(12 * 2 ** 20);
  });
});
