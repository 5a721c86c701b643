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
  it('vigil reads ≥ 80 % of its input from cache, sends ≥ 5× fewer uncached tokens than a naive heartbeat, and never calls the model for a quiet tick', { timeout: 120_000 }, async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bench/run.mjs'), 'tokens'], { cwd: ROOT, encoding: 'utf8' });
    const line = stdout.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
    const result = JSON.parse(line!.slice('BENCH_RESULT '.length)) as { results: Figures[]; uncachedRatio: number; pass: Record<string, boolean> };
    const [vigil, fiveMinutes, naive] = result.results;
    expect(result.pass).toEqual({ cacheShare: true, uncachedRatio: true, quietTicks: true });
    expect(vigil!.cacheShare).toBeGreaterThanOrEqual(0.8);
    expect(naive!.uncached / vigil!.uncached).toBeGreaterThanOrEqual(5);
    expect(vigil!.ticks.decided + vigil!.ticks.skipped).toBe(96);
    expect(vigil!.ticks.decidedWithoutChange).toBe(0);
    expect(naive!.calls).toBe(96);
    // The 1 h cache is the default because the 5 min one expires between calls.
    expect(fiveMinutes!.cacheShare).toBeLessThan(vigil!.cacheShare);
  });
});
