import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog } from '../../src/logs/index.js';
import { makeHome, removeHomes, runCli } from '../helpers/home.js';

afterEach(() => removeHomes());

/** A home with one day of eight entries, and the path of that day's file. */
function homeWithLog(): { home: string; file: string; lines: string[] } {
  const home = makeHome();
  const clock = new FakeClock(new Date(2026, 10, 20, 10, 0, 0).getTime());
  const log = new DailyLog({ dir: path.join(home, 'logs'), clock });
  for (let i = 0; i < 8; i++) {
    log.append({ type: 'tick.skipped', reason: `quiet ${i}` });
    clock.advance(60_000);
  }
  log.close();
  const file = path.join(home, 'logs', '2026-11-20.jsonl');
  return { home, file, lines: fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) };
}

function verify(home: string) {
  return runCli(home, ['log', 'verify']);
}

describe('`vigil log verify` names the first bad line', () => {
  it('passes an untouched log', () => {
    const { home } = homeWithLog();
    const result = verify(home);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ok\s+2026-11-20\.jsonl\s+8 entries/);
  });

  const tamper: [string, (lines: string[]) => string[], number][] = [
    ['a changed byte', (l) => l.map((line, i) => (i === 3 ? line.replace('quiet 3', 'quiet 9') : line)), 4],
    ['a deleted line', (l) => l.filter((_, i) => i !== 4), 5],
    ['an inserted line', (l) => [...l.slice(0, 6), l[2]!, ...l.slice(6)], 7],
    ['a swapped pair', (l) => [...l.slice(0, 2), l[3]!, l[2]!, ...l.slice(4)], 3],
  ];
  for (const [name, change, line] of tamper) {
    it(`catches ${name}`, () => {
      const { home, file, lines } = homeWithLog();
      fs.writeFileSync(file, change(lines).join('\n') + '\n');
      const result = verify(home);
      expect(result.status).toBe(1);
      expect(result.stdout).toContain(`FAIL  2026-11-20.jsonl  line ${line}:`);
      expect(result.stderr).toContain('VIGIL_ERR_LOG_CORRUPT');
    });
  }
});
