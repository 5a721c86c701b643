/**
 * A team's home whose database no node has started on yet (issue 19): the CLI's readers
 * migrate nothing, and read an empty team rather than failing VIGIL_ERR_STORE on a table
 * that is not there yet. The database is still only read: no table appears.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { makeHome, removeHomes, runCliAsync } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';

const PG = postgresAvailability();

describe.runIf(PG.available)('the CLI on a team database no node has started on (real PostgreSQL)', () => {
  const cluster = usePostgres('team_fresh');
  const fresh = useFreshDatabase(cluster, 'fresh');
  afterEach(() => removeHomes());

  it('status, log, log verify and memory read an empty team; nothing is created', async () => {
    const home = makeHome({ store: { url: fresh.url } });

    const status = await runCliAsync(home, ['status', '--json']);
    // 69: no node runs on this home; the report is printed all the same.
    expect(status.status, status.stderr).toBe(69);
    expect(status.stderr).toContain('VIGIL_ERR_NOT_RUNNING');
    const report = JSON.parse(status.stdout) as { model: { today: { calls: number } } };
    expect(report).toMatchObject({ store: 'postgres', node: null, nodes: [], roles: [], inbox: {}, actions: {}, usageToday: [], pushSubscriptions: 0 });
    expect(report.model.today.calls).toBe(0);

    const log = await runCliAsync(home, ['log']);
    expect(log.status, log.stderr).toBe(0);
    expect(log.stdout).toMatch(/^no log for \d{4}-\d\d-\d\d$/m);
    const verify = await runCliAsync(home, ['log', 'verify']);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout.trim()).toBe('no logs yet');
    // A day asked for by name is still missing, not an empty success.
    const missing = await runCliAsync(home, ['log', 'verify', '--date', '2026-06-13']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('VIGIL_ERR_LOG_MISSING');

    const memory = await runCliAsync(home, ['memory', '--json']);
    expect(memory.status, memory.stderr).toBe(0);
    expect(JSON.parse(memory.stdout)).toEqual({ file: 'MEMORY.md', text: null, notesWaiting: 0 });
    const history = await runCliAsync(home, ['memory', 'history', '--json']);
    expect(history.status, history.stderr).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual([]);

    expect((await fresh.sql(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows).toEqual([{ n: 0 }]);
  });
});
