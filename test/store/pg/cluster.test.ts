import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresAvailability, startCluster } from '../../helpers/postgres.js';

const PG = postgresAvailability();

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

describe.runIf(PG.available)('the throwaway PostgreSQL cluster of the tests', () => {
  it('starts in seconds with fsync on and its socket in its own folder, answers, and is gone after stop', async () => {
    const started = performance.now();
    const cluster = await startCluster(PG.binDir!);
    const startMs = performance.now() - started;
    try {
      expect(startMs).toBeLessThan(15_000);
      expect(fs.readdirSync(cluster.socketDir)).toContain(`.s.PGSQL.${cluster.port}`);
      const url = await cluster.createDatabase('helper_check');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const settings = await client.query<{ name: string; setting: string }>(
          `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit') ORDER BY name`,
        );
        expect(settings.rows).toEqual([{ name: 'fsync', setting: 'on' }, { name: 'synchronous_commit', setting: 'on' }]);
        expect((await client.query('SELECT current_database() AS db')).rows[0]).toEqual({ db: 'helper_check' });
      } finally {
        await client.end();
      }
    } finally {
      cluster.stop();
    }
    expect(fs.existsSync(cluster.dir)).toBe(false);
    expect(fs.existsSync(path.join(cluster.dir, 'data'))).toBe(false);
    expect(await portAnswers(cluster.port)).toBe(false);
    console.info(`cluster start (initdb + pg_ctl start): ${Math.round(startMs)} ms`);
  });
});
