/**
 * `vigil log --follow` on a team's home (issue 19), a real process against a real
 * cluster: today's chains of every node first, merged by time; then what any node's
 * chain gains, each entry once and naming its node — also a node whose local day is
 * yesterday here (its chain followed from where it stood); Ctrl-C ends it, exit 0.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FakeClock, systemClock } from '../../../src/clock.js';
import type { EventRecord } from '../../../src/events.js';
import { PgStore } from '../../../src/store/pg/index.js';
import { BIN, cliEnv, makeHome, removeHomes } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { waitFor } from './team-helpers.js';

const PG = postgresAvailability();
const DAY = 86_400_000;

describe.runIf(PG.available)('vigil log --follow on a team (real PostgreSQL, a real process)', () => {
  const cluster = usePostgres('team_log_follow');
  const fresh = useFreshDatabase(cluster, 'follow');

  it("prints today's chains, then every node's new entries once, in each chain's order; Ctrl-C exits 0", async () => {
    const open = (node: string, clock = systemClock) => PgStore.open({ url: fresh.url, node, clock, leaseSeconds: 30 });
    const [a, b] = [await open('alpha'), await open('beta')];
    // A node whose local day is yesterday here (another time zone, as far as the chains go).
    const behind = new FakeClock(Date.now() - DAY);
    const c = await open('gamma', behind);
    const write = (store: PgStore, n: string, ts = Date.now()) =>
      store.transaction((tx) => store.log.append(tx, [{ type: 'test.follow', ts, pid: process.pid, n } as unknown as EventRecord]));
    const team = makeHome({ store: { url: fresh.url } });
    const proc = spawn(process.execPath, [BIN, 'log', '--follow', '--json'], { env: cliEnv(team), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const seen = () => out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { type: string; node: string; n?: string; seq: number });
    const ours = () => seen().filter((e) => e.type === 'test.follow').map((e) => `${e.node}:${e.n}`);
    try {
      await write(a, 'a1');
      await write(b, 'b1');
      await write(c, 'c-before', behind.now());
      await write(a, 'a2');
      await waitFor(() => ours().length >= 3, `the day so far\n${out}\n${err}`, 15_000);
      expect(ours()).toEqual(['alpha:a1', 'beta:b1', 'alpha:a2']);

      await write(b, 'b2');
      await write(c, 'c-after', behind.now());
      await write(a, 'a3');
      await write(b, 'b3');
      await waitFor(() => ours().length >= 7, `the new entries\n${out}\n${err}`, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const after = ours().slice(3);
      // Each once; each chain in its own order; the chain behind from where it stood (not its earlier entry).
      expect([...after].sort()).toEqual(['alpha:a3', 'beta:b2', 'beta:b3', 'gamma:c-after']);
      expect(after.filter((e) => e.startsWith('beta:'))).toEqual(['beta:b2', 'beta:b3']);
      // Every entry is a chain's line as written: its seq moves on by one per node and day.
      const alpha = seen().filter((e) => e.node === 'alpha').map((e) => e.seq);
      expect(alpha).toEqual(alpha.map((_, i) => alpha[0]! + i));
      proc.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      proc.kill('SIGKILL');
      await Promise.all([a.close(), b.close(), c.close()]);
      removeHomes();
    }
  }, 60_000);
});
