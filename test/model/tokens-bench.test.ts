import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/home.js';

interface Figures {
  calls: number;
  cacheShare: number;
  uncached: number;
  ticks: { decided: number; skipped: number; decidedWithoutChange: number };
}

/** `npm run bench -- tokens` as it ships: the simulated day must keep meeting issue 4's targets. */
describe('npm run bench -- tokens', () => {
  it('vigil reads ≥ 80 % of its input from cache, sends ≥ 5× fewer uncached tokens than a naive heartbeat, and never calls the model for a quiet tick; with investigation ≥ 75 % from cache; CI fan-out costs ≥ 30 % fewer calls', { timeout: 300_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bench/run.mjs'), 'tokens'], { cwd: ROOT, encoding: 'utf8' });
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    const result = JSON.parse(line!.slice('BENCH_RESULT '.length)) as {
      results: Figures[];
      fanOut: Figures[];
      uncachedRatio: number;
      investigateUncached: number;
      coalescingCut: number;
      pass: Record<string, boolean>;
    };
    const [vigil, fiveMinutes, naive, investigating] = result.results;
    expect(result.pass).toMatchObject({ cacheShare: true, uncachedRatio: true, quietTicks: true, investigateCacheShare: true, coalescing: true });
    // Issue 14 asks for ≤ 1.5× uncached input with investigation on; the tool answers
    // themselves are new input (≈ 640 tokens a call here) and it measures ≈ 2.9×: a guard
    // against it growing, not the target (the closing note says so).
    expect(result.investigateUncached).toBeLessThan(3.5);
    expect(investigating!.cacheShare).toBeGreaterThanOrEqual(0.75);
    expect(result.coalescingCut).toBeGreaterThanOrEqual(0.3);
    expect(vigil!.cacheShare).toBeGreaterThanOrEqual(0.8);
    expect(naive!.uncached / vigil!.uncached).toBeGreaterThanOrEqual(5);
    expect(vigil!.ticks.decided + vigil!.ticks.skipped).toBe(96);
    expect(vigil!.ticks.decidedWithoutChange).toBe(0);
    expect(naive!.calls).toBe(96);
    // The 1 h cache is the default because the 5 min one expires between calls.
    expect(fiveMinutes!.cacheShare).toBeLessThan(vigil!.cacheShare);
  });
});
