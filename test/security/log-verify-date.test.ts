import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog, logFilePath } from '../../src/logs/index.js';
import { makeHome, removeHomes, runCli } from '../helpers/home.js';

/**
 * `vigil log verify --date D` (issue 12): commander handed `--date` to `log`, so verify
 * checked every day and a bad day elsewhere failed the run, while a day with no log
 * passed as "no logs yet". Only D is checked now, a failure names its line, and a
 * missing day is an error.
 */

afterEach(() => removeHomes());

/** Three days of five entries each in the home's logs; returns the dates. */
function threeDays(home: string): string[] {
  const dir = path.join(home, 'logs');
  const dates: string[] = [];
  for (const day of [10, 11, 12]) {
    const log = new DailyLog({ dir, clock: new FakeClock(new Date(2026, 5, day, 12).getTime()) });
    for (let i = 1; i <= 5; i++) log.append({ type: 'event.received', note: `day ${day} entry ${i}` });
    log.close();
    dates.push(`2026-06-${day}`);
  }
  return dates;
}

/** Change one character of line 3 of that day's log: its hash no longer matches. */
function tamper(home: string, date: string): void {
  const file = logFilePath(path.join(home, 'logs'), date);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines[2] = lines[2]!.replace('entry 3', 'entry 9');
  fs.writeFileSync(file, lines.join('\n'));
}

describe('vigil log verify --date', () => {
  it('checks only that day: a good day passes while another is broken; the broken day fails naming its line', () => {
    const home = makeHome();
    const [first, broken, last] = threeDays(home);
    tamper(home, broken!);

    const good = runCli(home, ['log', 'verify', '--date', last!]);
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout).toContain(`ok    ${last}.jsonl  5 entries`);
    expect(good.stdout).not.toContain(first!);
    expect(good.stdout).not.toContain(broken!);

    const bad = runCli(home, ['log', 'verify', '--date', broken!]);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain(`FAIL  ${broken}.jsonl  line 3: hash mismatch (edited)`);
    expect(bad.stdout).not.toContain(last!);
    expect(bad.stderr).toContain(`${broken}.jsonl line 3`);
    expect(bad.stderr).toContain('[VIGIL_ERR_LOG_CORRUPT]');

    // Without --date every day is checked, and the broken one fails the run.
    const all = runCli(home, ['log', 'verify']);
    expect(all.status).toBe(1);
    expect(all.stdout).toContain(`ok    ${first}.jsonl`);
    expect(all.stdout).toContain(`ok    ${last}.jsonl`);
  });

  it('a day with no log is an error that names it; a malformed date is a usage error', () => {
    const home = makeHome();
    threeDays(home);
    const missing = runCli(home, ['log', 'verify', '--date', '2026-06-13']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('there is no daily log for that date: 2026-06-13');
    expect(missing.stderr).toContain('[VIGIL_ERR_LOG_MISSING]');

    const malformed = runCli(home, ['log', 'verify', '--date', 'yesterday']);
    expect(malformed.status).toBe(2);
    expect(malformed.stderr).toContain('[VIGIL_ERR_USAGE]');
  });
});
