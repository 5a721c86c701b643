/**
 * `vigil dream` without --now on a team's home (issue 19), as processes on a real
 * cluster: the team's dream state and its dreamer's gate, never the home's vigil.db —
 * through the node running on the home (`GET /api/dream`: the CLI then needs no database
 * of its own), else read from the database; the owner's request waiting and a dream under
 * way on another node are said; a database no node started on holds no dream yet
 * (src/operations/team-dream-status.ts, src/cli/commands/dream.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { localDate } from '../../../src/clock.js';
import { ADVISORY_CLASS, ROLES } from '../../../src/store/pg/advisory.js';
import { killDaemons, makeHome, removeHomes, runCliAsync, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { waitFor } from './team-helpers.js';

const PG = postgresAvailability();

describe.runIf(PG.available)('vigil dream on a team\'s home (real processes, real cluster)', () => {
  const cluster = usePostgres('team_dream_status');
  const db = useFreshDatabase(cluster, 'dream_status');
  const daemons: RunningDaemon[] = [];
  afterEach(async () => {
    await killDaemons(daemons);
    removeHomes();
  });

  it('says the team\'s last dream, how far it read and the gate, through the node or from the database; a request waiting; a dream under way elsewhere', { timeout: 120_000 }, async () => {
    const team = makeHome({ store: { url: db.url, leaseSeconds: 5 }, dream: { minHours: 24 } });
    const vigilDb = path.join(team, 'vigil.db');
    const before = fs.existsSync(vigilDb);
    const none = await runCliAsync(team, ['dream']);
    expect(none.status, none.stderr).toBe(0);
    expect(none.stdout).toMatch(/^last dream: {3}never\nread up to: {3}nothing yet\nnot due: {6}no node has started on the team's database yet \(vigil start\)\ndreamer: {6}no node holds/);

    const node = await startDaemon(team, {}, 30_000, ['--node', 'alpha']);
    daemons.push(node);
    const holder = async () => (await db.sql<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted`, [ADVISORY_CLASS, ROLES.dreamer])).rows[0]!.n === 1;
    await waitFor(holder, 'alpha to hold the dreamer role', 20_000, 50);
    const day = localDate(Date.now());
    const lastDreamAt = Date.now() - 3_600_000;
    await db.sql(`UPDATE dream_state SET last_dream_at = $1, last_dream_id = 'dream-1', dreamed_by = 'alpha', marks = $2::jsonb`, [lastDreamAt, JSON.stringify({ alpha: { day, seq: 3 } })]);

    // Through the node: a database URL the CLI cannot reach changes nothing, the node answers.
    const through = await runCliAsync(team, ['dream', '--json'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing' });
    expect(through.status, through.stderr).toBe(0);
    const status = JSON.parse(through.stdout) as Record<string, unknown>;
    expect(status).toMatchObject({
      lastDreamId: 'dream-1',
      dreamedBy: 'alpha',
      readUpTo: `alpha/${day}#3`,
      lastFailedAt: null,
      dreaming: null,
      requestedId: null,
      dreamer: 'alpha',
      verdict: { due: false, reason: expect.stringMatching(/^the last dream was 6\d min ago \(dream\.minHours: 24\)$/) },
    });
    expect(Date.parse(status.lastDreamAt as string)).toBe(lastDreamAt);
    // When: dream.minHours after the last (no owner activity to wait out), and the 20 news lines it still lacks (the node's chain holds only housekeeping).
    const next = status.next as { earliestAt: string; newsWanted: number };
    expect(Date.parse(next.earliestAt)).toBe(lastDreamAt + 24 * 3_600_000);
    expect(next.newsWanted).toBe(20);
    const text = await runCliAsync(team, ['dream']);
    expect(text.stdout).toMatch(/^last dream: {3}.* \(dream-1, node alpha\)$/m);
    expect(text.stdout).toContain(`read up to:   alpha/${day}#3\n`);
    expect(text.stdout).toMatch(/^not due: {6}the last dream was 6\d min ago/m);
    expect(text.stdout).toMatch(/^next dream: {3}at the earliest (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2}:\d{2}, if the owner stays idle and 20 more log entries are in$/m);
    expect(text.stdout).toMatch(/^dreamer: {6}node alpha holds the team's dreamer role/m);

    // No node on the home: from the database. The owner's request waits for a dreamer that is gone.
    node.proc.kill('SIGTERM');
    await node.exited;
    await db.sql(`UPDATE dream_state SET requested_id = 'dream-asked', requested_by = 'alpha', requested_at = $1`, [Date.now()]);
    const offline = await runCliAsync(team, ['dream']);
    expect(offline.status, offline.stderr).toBe(0);
    expect(offline.stdout).toMatch(/^asked: {8}dream dream-asked \(vigil dream --now\)/m);
    expect(offline.stdout).toMatch(/^dreamer: {6}no node holds the team's dreamer role/m);

    // A dream under way on node beta: its record in dream_state, its backend holding the dreamer role.
    const beta = new pg.Client({ connectionString: db.url, application_name: 'vigil:beta' });
    await beta.connect();
    try {
      const backend = (await beta.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_advisory_lock($1, $2)', [ADVISORY_CLASS, ROLES.dreamer])).rows[0]!.pid;
      await db.sql(`UPDATE dream_state SET dreaming_id = 'dream-2', dreaming_node = 'beta', dreaming_pid = 4242, dreaming_since = $1, dreaming_backend = $2`, [Date.now(), backend]);
      const dreaming = await runCliAsync(team, ['dream', '--json']);
      expect(JSON.parse(dreaming.stdout)).toMatchObject({ dreaming: { dreamId: 'dream-2', node: 'beta', pid: 4242 }, dreamer: 'beta' });
      expect(JSON.parse(dreaming.stdout)).not.toHaveProperty('verdict');
      expect((await runCliAsync(team, ['dream'])).stdout).toMatch(/^dreaming now: pid 4242 on node beta since .* \(dream-2\)$/m);
    } finally {
      await beta.end();
    }
    // The home's own vigil.db was never read (a SQLite `vigil dream` opens it, and makes it when missing).
    expect(fs.existsSync(vigilDb)).toBe(before);
  });
});
