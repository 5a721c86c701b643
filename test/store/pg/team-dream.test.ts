/**
 * The dreamer on a team's nodes (issue 19), as real processes on a real cluster: one node
 * holds the `dreamer` role; killed (SIGKILL) in the middle of its dream's commit — a file
 * already inserted in the open transaction, held there by the failpoint
 * `memory.pg_file_written` — it leaves memory wholly as it was; another node takes the
 * role within the lease and its dream completes over the same lines. Memory, read all
 * along by a third connection, is only ever the old version or the new one.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTopic, renderIndex, renderTopic } from '../../../src/memory/index.js';
import { openPgPool, roleHolders, verifyPgLog } from '../../../src/store/pg/index.js';
import { REPO } from '../../github/helpers.js';
import { killDaemons, makeHome, removeHomes, sleep, startDaemon, type RunningDaemon } from '../../helpers/home.js';
import { postgresAvailability, useFreshDatabase, usePostgres } from '../../helpers/postgres.js';
import { postDelivery, webhookSecret } from '../../helpers/webhooks.js';
import { childrenOf, issueOpened, waitFor } from './team-helpers.js';

const PG = postgresAvailability();

/** The team's memory before: a topic and its index, as a dream would have written them. */
const TODAY = new Date().toISOString().slice(0, 10);
const OLD_TOPIC = parseTopic('general', `# general\n\n- The team reviews pull requests in pairs.\n  - source: seed\n  - confirmed: ${TODAY}\n`, TODAY);
const OLD_GENERAL = renderTopic(OLD_TOPIC);
const OLD_INDEX = renderIndex([OLD_TOPIC]);

describe.runIf(PG.available)('the dreamer on a team\'s nodes (real processes, real cluster)', () => {
  const cluster = usePostgres('team_dream');
  const daemons: RunningDaemon[] = [];
  const db = useFreshDatabase(cluster, 'dream');
  afterEach(async () => {
    await killDaemons(daemons);
    removeHomes();
  });

  const waitUntil = (probe: () => Promise<boolean>, what: string, timeoutMs = 20_000) => waitFor(probe, what, timeoutMs, 50);
  /** Memory as a reader sees it: each file's newest version (a removal is no file). */
  const memoryNow = async () => {
    const rows = (await db.sql<{ path: string; content: string | null; version: number; written_by: string }>(
      `SELECT DISTINCT ON (path) path, content, version, written_by FROM memory_files ORDER BY path, version DESC`,
    )).rows;
    return rows.filter((r) => r.content !== null);
  };
  const snapshot = async () => JSON.stringify((await memoryNow()).map((r) => [r.path, r.content]));
  const dreamerNode = async (pool: pg.Pool) => (await roleHolders(pool)).find((h) => h.role === 'dreamer')?.node;
  const dreamLines = async () => (await db.sql<{ node: string; day: string; type: string; seq: number; line: string }>(
    `SELECT node, day, type, seq::int AS seq, line FROM log_entries WHERE type LIKE 'dream.%' ORDER BY ts, node, seq`,
  )).rows;

  it('the dreamer\'s node killed in its dream\'s commit: memory stays wholly old; another node takes the role within the lease and its dream completes, wholly new', async () => {
    const lease = 5;
    const config = { store: { url: db.url, leaseSeconds: lease }, dream: { idleMinutes: 0.02, minHours: 0 } };
    const pool = openPgPool({ url: db.url, node: 'observer', max: 2 });
    let polling = true;
    const seen = new Set<string>();
    let poller: Promise<void> = Promise.resolve();
    try {
      // alpha first, so it is the dreamer; its dream's transaction will wait a minute after its first file.
      const alphaHome = makeHome(config);
      const alpha = await startDaemon(alphaHome, { VIGIL_FAILPOINTS: 'memory.pg_file_written=60000' }, 40_000, ['--node', 'alpha']);
      daemons.push(alpha);
      await waitUntil(async () => (await dreamerNode(pool)) === 'alpha', 'alpha to hold the dreamer role');
      const betaHome = makeHome(config);
      const beta = await startDaemon(betaHome, {}, 40_000, ['--node', 'beta']);
      daemons.push(beta);
      await sleep(lease * 1000 / 3 + 300);
      expect(await dreamerNode(pool)).toBe('alpha');

      // The team's memory before: a topic and its index.
      await db.sql(`INSERT INTO memory_files (path, version, content, written_at, written_by) VALUES ('topics/general.md', 1, $1, 1, 'seed'), ('MEMORY.md', 1, $2, 1, 'seed')`, [OLD_GENERAL, OLD_INDEX]);
      const old = await snapshot();
      poller = (async () => {
        while (polling) {
          seen.add(await snapshot());
          await sleep(20);
        }
      })();

      // What the dream learns from: issues opened by three people, through both nodes (both chains).
      for (let n = 1; n <= 20; n++) {
        const [home, node] = n % 2 ? [alphaHome, alpha] : [betaHome, beta];
        const body = JSON.parse(issueOpened(n)) as { sender: { login: string } };
        body.sender.login = ['ana', 'bo', 'cy'][n % 3]!;
        const posted = await postDelivery(node.url, webhookSecret(home), JSON.stringify(body), { event: 'issues', deliveryId: crypto.randomUUID() });
        expect(posted.status).toBe(202);
      }

      // alpha dreams; its transaction is open with a file inserted (the last statement it ran touched memory_files).
      await waitUntil(async () => (await db.sql(
        `SELECT 1 FROM pg_stat_activity WHERE application_name = 'vigil:alpha' AND state = 'idle in transaction' AND query LIKE '%memory_files%'`,
      )).rowCount === 1, 'alpha\'s dream to be inside its commit', 30_000);
      expect(await snapshot()).toBe(old);
      // A dream is due for beta too, but beta does not hold the role: two of its looks (a third of the lease apart) pass without a dream.
      await sleep((2 * lease * 1000) / 3 + 500);
      expect((await dreamLines()).map((l) => [l.node, l.type])).toEqual([['alpha', 'dream.started']]);
      expect(await snapshot()).toBe(old);

      // The host is lost: the node and its worker die together.
      for (const child of childrenOf(alpha.pid)) process.kill(child, 'SIGKILL');
      alpha.proc.kill('SIGKILL');
      await alpha.exited;
      const killedAt = Date.now();
      await waitUntil(async () => (await dreamerNode(pool)) === 'beta', 'beta to take the dreamer role', lease * 1000);
      const failover = Date.now() - killedAt;
      expect(failover).toBeLessThan(lease * 1000);
      await waitUntil(async () => (await dreamLines()).some((l) => l.node === 'beta' && l.type === 'dream.finished'), 'beta\'s dream to finish', 30_000);
      polling = false;
      await poller;

      // Memory now: the new version, written by beta, each file one version past the old (alpha's was rolled back).
      const now = await memoryNow();
      const byPath = new Map(now.map((r) => [r.path, r]));
      expect([...byPath.keys()].sort()).toEqual(['MEMORY.md', 'topics/general.md', 'topics/octo-app.md']);
      expect(byPath.get('MEMORY.md')).toMatchObject({ version: 2, written_by: 'beta' });
      expect(byPath.get('topics/octo-app.md')).toMatchObject({ version: 1, written_by: 'beta' });
      expect(byPath.get('topics/general.md')!.content).toBe(OLD_GENERAL);
      const app = byPath.get('topics/octo-app.md')!.content!;
      // All twenty events, from both chains: bo and cy opened seven, ana six.
      expect(app).toContain('- Most active contributors: bo (7), cy (7), ana (6)\n');
      expect(app).toMatch(/source: log (alpha|beta)\/\d{4}-\d{2}-\d{2}#\d+/);
      // The index is the one these topics make: no topic of one version under an index of another.
      const topics = now.filter((r) => r.path.startsWith('topics/')).map((r) => parseTopic(r.path.slice('topics/'.length, -3), r.content!, TODAY));
      expect(byPath.get('MEMORY.md')!.content).toBe(renderIndex(topics));
      expect(byPath.get('MEMORY.md')!.content).toContain(REPO);

      // Every state a reader saw was the old memory or the new one, never a mix.
      const fresh = await snapshot();
      expect(fresh).not.toBe(old);
      expect([...seen].every((s) => s === old || s === fresh)).toBe(true);
      expect(seen.has(old)).toBe(true);

      // The dream's lines: alpha started and said no more; beta's dream finished, the one dream_state names.
      const lines = await dreamLines();
      expect(lines.map((l) => [l.node, l.type])).toEqual([['alpha', 'dream.started'], ['beta', 'dream.started'], ['beta', 'dream.finished']]);
      const finished = JSON.parse(lines[2]!.line) as { dreamId: string; entriesRead: number; added: number; topics: number };
      const [state] = (await db.sql<{ last_dream_id: string; dreamed_by: string; marks: Record<string, { day: string; seq: number }> }>(
        'SELECT last_dream_id, dreamed_by, marks FROM dream_state',
      )).rows;
      expect(state).toMatchObject({ last_dream_id: finished.dreamId, dreamed_by: 'beta' });
      expect(finished.added).toBeGreaterThan(0);
      // The marks: alpha's whole chain (it wrote nothing after its dream.started), and beta's up to its own dream.started.
      const heads = (await db.sql<{ node: string; day: string; seq: number }>(
        `SELECT DISTINCT ON (node) node, day, seq::int AS seq FROM log_entries ORDER BY node, day DESC, seq DESC`,
      )).rows;
      const alphaHead = heads.find((h) => h.node === 'alpha')!;
      expect(state!.marks.alpha).toEqual({ day: alphaHead.day, seq: alphaHead.seq });
      expect(state!.marks.beta).toEqual({ day: lines[1]!.day, seq: lines[1]!.seq });
      const before = (await db.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM log_entries WHERE node = 'alpha' OR (node = 'beta' AND (day < $1 OR (day = $1 AND seq <= $2)))`,
        [lines[1]!.day, lines[1]!.seq],
      )).rows[0]!.n;
      expect(finished.entriesRead).toBe(before);
      process.stdout.write(`team dream: failover ${failover} ms (lease ${lease} s); beta read ${finished.entriesRead} lines, added ${finished.added} facts in ${finished.topics} topics; ${seen.size} memory states seen by a reader\n`);

      beta.proc.kill('SIGTERM');
      expect(await beta.exited).toEqual({ code: 0, signal: null });
      expect((await verifyPgLog(pool)).filter((c) => !c.ok)).toEqual([]);
    } finally {
      polling = false;
      await poller.catch(() => undefined);
      await pool.end();
    }
  }, 150_000);
});
