import { afterEach, beforeAll } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { PgStore } from '../../src/store/pg/index.js';
import type { UsedPostgres } from './postgres.js';

export interface PgNodesOptions {
  leaseSeconds: number;
  /** The tables emptied after each test (`TRUNCATE … RESTART IDENTITY CASCADE`). */
  truncate: readonly string[];
  /** The clock of the store that migrates the database before the tests. */
  migratedAt: number;
}

/**
 * Team stores ("nodes") opened by one test file on its database: migrated once before
 * the tests, so that the nodes a test opens together do not race to migrate; every store
 * a test opened closed after it, and the named tables emptied. Call it inside the file's
 * `describe`, after `usePostgres`.
 */
export function usePgNodes(pg: UsedPostgres, options: PgNodesOptions): (name: string, clock: FakeClock, extra?: { max?: number }) => Promise<PgStore> {
  const open: PgStore[] = [];
  const node = async (name: string, clock: FakeClock, extra: { max?: number } = {}) => {
    const store = await PgStore.open({ url: pg.url, node: name, clock, leaseSeconds: options.leaseSeconds, max: extra.max ?? 4 });
    open.push(store);
    return store;
  };
  beforeAll(async () => {
    await (await node('setup', new FakeClock(options.migratedAt))).close();
    open.length = 0;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close().catch(() => {})));
    await pg.sql(`TRUNCATE ${options.truncate.join(', ')} RESTART IDENTITY CASCADE`, []);
  });
  return node;
}
