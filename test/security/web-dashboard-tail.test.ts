import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localDate } from '../../src/clock.js';
import { logFilePath } from '../../src/logs/index.js';
import { genesisHash } from '../../src/logs/line.js';
import { formatLine } from '../../src/logs/line.js';
import { killDaemons, makeHome, removeHomes, startDaemon, type RunningDaemon } from '../helpers/home.js';
import { dashboardToken, login } from '../web/helpers.js';

/**
 * A dashboard load reads the tail of the day's log, never the whole file (issue 12:
 * each load parsed the whole day on the event loop, ~0.9 s for a big day, and a webhook
 * waited 3.9 s behind it). Two real daemons, one on a ~5 MB day and one on a ~50 MB
 * day: the load stays well under a second and does not grow with the file.
 */

const daemons: RunningDaemon[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

/** Today's log in `home`, a valid chain of ~`mb` megabytes whose last entry carries `marker`. */
function writeDay(home: string, mb: number, marker: string): void {
  const date = localDate(Date.now());
  const start = new Date(`${date}T00:00:00`).getTime();
  const note = 'an issue body quoted in a decision '.repeat(12);
  let prev = genesisHash(date);
  const chunks: string[] = [];
  let bytes = 0;
  for (let seq = 1; bytes < mb * 1024 * 1024; seq++) {
    const last = bytes + 600 >= mb * 1024 * 1024;
    const ts = new Date(start + seq).toISOString();
    const fields = { pid: 1, eventId: seq, kind: 'github.issues.opened', summary: last ? marker : note };
    const { entry, line } = formatLine({ ts, seq, type: 'decision.made', fields, prev });
    prev = entry.hash;
    chunks.push(line);
    bytes += Buffer.byteLength(line);
  }
  fs.mkdirSync(path.join(home, 'logs'), { recursive: true });
  fs.writeFileSync(logFilePath(path.join(home, 'logs'), date), chunks.join(''));
}

/**
 * `n` dashboard loads after one to warm up, in ms: the fastest (what the read costs, with
 * the other processes on a shared machine out of it) and the median. Checks each page.
 */
async function loads(mb: number, n = 7): Promise<{ min: number; median: number; size: number }> {
  const home = makeHome();
  const marker = `the newest entry of ${mb} MB`;
  writeDay(home, mb, marker);
  const size = fs.statSync(logFilePath(path.join(home, 'logs'), localDate(Date.now()))).size;
  const daemon = await startDaemon(home);
  daemons.push(daemon);
  const { cookie } = await login(daemon.url, dashboardToken(home));
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${daemon.url}/`, { headers: { cookie } });
    const page = await res.text();
    const ms = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(page).toContain(marker);
    // The page shows the threads of the day's newest records (100 here: each record is its
    // own event's decision), nothing of the rest of the day (src/web/timeline.ts).
    expect(page.match(/<li class="thread /g)?.length).toBe(100);
    if (i > 0) times.push(ms);
  }
  await killDaemons(daemons);
  times.sort((a, b) => a - b);
  return { min: times[0]!, median: times[Math.floor(times.length / 2)]!, size };
}

describe('the dashboard reads only the tail of the day', () => {
  it('a load on a ~50 MB day answers in well under a second, no slower than on a ~5 MB day', { timeout: 120_000 }, async () => {
    const small = await loads(5);
    const big = await loads(50);
    expect(big.size).toBeGreaterThan(9 * small.size);
    const figures = (l: typeof small) => `${l.min.toFixed(1)} ms fastest, ${l.median.toFixed(1)} ms median on ${(l.size / 2 ** 20).toFixed(1)} MB`;
    console.log(`dashboard load: ${figures(small)}; ${figures(big)}`);
    // Reading the whole 50 MB day took ~2 s a load on this machine.
    expect(big.min).toBeLessThan(300);
    // Ten times the file, not ten times the time: the read stops where the page does.
    expect(big.min).toBeLessThan(small.min * 3 + 50);
  });
});
