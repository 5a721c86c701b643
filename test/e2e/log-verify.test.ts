import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog } from '../../src/logs/index.js';
import { makeHome, removeHomes, runCli } from '../helpers/home.js';
import { chainName, dayLines, replaceDayLines, seedLog } from '../helpers/home-log.js';

afterEach(() => removeHomes());

const DAY = '2026-11-20';

/** A home with one day of eight entries (its file, or a node's chain on PostgreSQL), and that day's lines. */
async function homeWithLog(): Promise<{ home: string; lines: string[] }> {
  const home = makeHome();
  await seedLog(home, (dir) => {
    const clock = new FakeClock(new Date(2026, 10, 20, 10, 0, 0).getTime());
    const log = new DailyLog({ dir, clock });
    for (let i = 0; i < 8; i++) {
      log.append({ type: 'tick.skipped', reason: `quiet ${i}` });
      clock.advance(60_000);
    }
    log.close();
  });
  return { home, lines: await dayLines(home, DAY) };
}

function verify(home: string) {
  return runCli(home, ['log', 'verify']);
}

describe('`vigil log verify` names the first bad line', () => {
  it('passes an untouched log', async () => {
    const { home, lines } = await homeWithLog();
    expect(lines).toHaveLength(8);
    const result = verify(home);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`ok    ${chainName(home, DAY)}  8 entries`);
  });

  const tamper: [string, (lines: string[]) => string[], number][] = [
    ['a changed byte', (l) => l.map((line, i) => (i === 3 ? line.replace('quiet 3', 'quiet 9') : line)), 4],
    ['a deleted line', (l) => l.filter((_, i) => i !== 4), 5],
    ['an inserted line', (l) => [...l.slice(0, 6), l[2]!, ...l.slice(6)], 7],
    ['a swapped pair', (l) => [...l.slice(0, 2), l[3]!, l[2]!, ...l.slice(4)], 3],
  ];
  for (const [name, change, line] of tamper) {
    it(`catches ${name}`, async () => {
      const { home, lines } = await homeWithLog();
      await replaceDayLines(home, DAY, change(lines));
      const result = verify(home);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(`FAIL  ${chainName(home, DAY)}  line ${line}:`);
      expect(result.stderr).toContain('VIGIL_ERR_LOG_CORRUPT');
    });
  }
});
