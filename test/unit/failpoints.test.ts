import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/home.js';

/**
 * VIGIL_FAILPOINTS is read once, at import: each case is a fresh process on dist/ that
 * passes one point three times and prints how long each pass waited.
 */
function passes(spec: string | undefined): number[] {
  const script = `
    const { failpoint } = await import(${JSON.stringify(path.join(ROOT, 'dist/failpoints.js'))});
    const waited = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await failpoint('decide.delay');
      waited.push(Math.round(performance.now() - t0));
    }
    process.stdout.write(JSON.stringify(waited));`;
  const env = { ...process.env };
  delete env.VIGIL_FAILPOINTS;
  if (spec !== undefined) env.VIGIL_FAILPOINTS = spec;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' })) as number[];
}

describe('VIGIL_FAILPOINTS', () => {
  it('name=ms delays every pass', () => {
    expect(passes('decide.delay=150').every((ms) => ms >= 140)).toBe(true);
  });

  it('name=ms*n delays only the first n passes', () => {
    const [first, second, third] = passes('exec.delay=5,decide.delay=150*2');
    expect(first).toBeGreaterThanOrEqual(140);
    expect(second).toBeGreaterThanOrEqual(140);
    expect(third).toBeLessThan(100);
  });

  it('unset, another point, or a malformed count: no delay', () => {
    for (const spec of [undefined, 'exec.delay=150', 'decide.delay=150*x', 'decide.delay=150*1.5']) {
      expect(passes(spec).every((ms) => ms < 100), String(spec)).toBe(true);
    }
  });
});
