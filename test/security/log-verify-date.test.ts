import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog } from '../../src/logs/index.js';
import { makeHome, removeHomes, runCli } from '../helpers/home.js';
import { chainName, dayLines, replaceDayLines, seedLog } from '../helpers/home-log.js';

/**
 * `vigil log verify --date D` (issue 12): commander handed `--date` to `log`, so verify
 * checked every day and a bad day elsewhere failed the run, while a day with no log
 * passed as "no logs yet". Only D is checked now, a failure names its line, and a
 * missing day is an error.
 */

afterEach(() => removeHomes());

/** Three days of five entries each in the home's log (files, or a node's chains on PostgreSQL); returns the dates. */
async function threeDays(home: string): Promise<string[]> {
  const dates: string[] = [];
  await seedLog(home, (dir) => {
    for (const day of [10, 11, 12]) {
      const log = new DailyLog({ dir, clock: new FakeClock(new Date(2026, 5, day, 12).getTime()) });
      for (let i = 1; i <= 5; i++) log.append({ type: 'event.received', note: `day ${day} entry ${i}` });
      log.close();
      dates.push(`2026-06-${day}`);
    }
  });
  return dates;
}

/** Change one character of line 3 of that day's log: its hash no longer matches. */
async function tamper(home: string, date: string): Promise<void> {
  const lines = await dayLines(home, date);
  lines[2] = lines[2]!.replace('entry 3', 'entry 9');
  await replaceDayLines(home, date, lines);
}

describe('vigil log verify --date', () => {
  it('checks only that day: a good day passes while another is broken; the broken day fails naming its line', async () => {
    const home = makeHome();
    const [first, broken, last] = await threeDays(home);
    await tamper(home, broken!);

    const good = runCli(home, ['log', 'verify', '--date', last!]);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain(`ok    ${chainName(home, last!)}  5 entries`);
    expect(good.stdout).not.toContain(first!);
    expect(good.stdout).not.toContain(broken!);

    const bad = runCli(home, ['log', 'verify', '--date', broken!]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`FAIL  ${chainName(home, broken!)}  line 3: hash mismatch (edited)`);
    expect(bad.stdout).not.toContain(last!);
    expect(bad.stderr).toContain(`${chainName(home, broken!)} line 3`);
    expect(bad.stderr).toContain('[VIGIL_ERR_LOG_CORRUPT]');

    // Without --date every day is checked, and the broken one fails the run.
    const all = runCli(home, ['log', 'verify']);
    expect(all.status).toBe(1);
    expect(all.stdout).toContain(`ok    ${chainName(home, first!)}`);
    expect(all.stdout).toContain(`ok    ${chainName(home, last!)}`);
  });

  it('a day with no log is an error that names it; a malformed date is a usage error', async () => {
    const home = makeHome();
    await threeDays(home);
    const missing = runCli(home, ['log', 'verify', '--date', '2026-06-13']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('there is no daily log for that date: 2026-06-13');
    expect(missing.stderr).toContain('[VIGIL_ERR_LOG_MISSING]');

    const malformed = runCli(home, ['log', 'verify', '--date', 'yesterday']);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('[VIGIL_ERR_USAGE]');
  });
});
