/**
 * Rows of the home's store read the same way on either backend (test/helpers/backend.ts),
 * where the two schemas say one thing differently (src/store/migrations.ts and
 * src/store/pg/migrations.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../src/store/index.js';
import { homeStoreUrl } from './backend.js';
import { query } from './home.js';

/**
 * The running actions and the pid of the worker that runs each: SQLite keeps it in
 * `worker_pid`; a node's worker holds its action as `node:w<pid>` (`workerHolder`).
 */
export function runningActions(home: string): { id: string; workerPid: number }[] {
  if (!homeStoreUrl(home)) {
    return query<{ id: string; worker_pid: number }>(home, `SELECT id, worker_pid FROM actions WHERE state = 'running'`).map((r) => ({ id: r.id, workerPid: r.worker_pid }));
  }
  return query<{ id: string; claimed_by: string }>(home, `SELECT id, claimed_by FROM actions WHERE state = 'running'`).map((r) => {
    const pid = /:w(\d+)$/.exec(r.claimed_by)?.[1];
    if (pid === undefined) throw new Error(`action ${r.id} is running, held by ${r.claimed_by}: not a worker's hold`);
    return { id: r.id, workerPid: Number(pid) };
  });
}

/**
 * Every GitHub delivery in the inbox, with the body stored for it: SQLite keeps a body in
 * its row or in the spool beside vigil.db (`payload_ref`, read by the store's own
 * `payloadOf`); a node keeps it in its row (`body`, bytea).
 */
export function githubDeliveries(home: string): { id: string; body: string }[] {
  if (homeStoreUrl(home)) {
    return query<{ id: string; body: string }>(home, `SELECT delivery_id AS id, convert_from(body, 'UTF8') AS body FROM inbox WHERE source = 'github' ORDER BY id`);
  }
  const store = Store.open(path.join(home, 'vigil.db'));
  try {
    const rows = store.db.prepare(`SELECT delivery_id AS id, payload, payload_ref FROM inbox WHERE source = 'github' ORDER BY id`).all() as {
      id: string;
      payload: string;
      payload_ref: string | null;
    }[];
    return rows.map((r) => ({ id: r.id, body: store.inbox.payloadOf(r) }));
  } finally {
    store.close();
  }
}

/**
 * A memory file as it now reads (`notes.md`, `MEMORY.md`): the file under memory/ in a
 * home, the newest version of its row in `memory_files` on a team (a NULL content is a
 * removal). Undefined when there is none.
 */
export function memoryFile(home: string, file: string): string | undefined {
  if (!homeStoreUrl(home)) {
    const full = path.join(home, 'memory', file);
    return fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : undefined;
  }
  const [row] = query<{ content: string | null }>(home, 'SELECT content FROM memory_files WHERE path = ? ORDER BY version DESC LIMIT 1', file);
  return row?.content ?? undefined;
}

/**
 * The alerts queued for the owner, their payload parsed: SQLite keeps a notice's payload
 * as JSON text, a team's `notify_queue` as jsonb (read back as an object).
 */
export function queuedAlerts(home: string): { key: string; payload: { title: string; body: string } }[] {
  return query<{ key: string; payload: string | { title: string; body: string } }>(home, `SELECT key, payload FROM notify_queue WHERE kind = 'alert'`).map((r) => ({
    key: r.key,
    payload: typeof r.payload === 'string' ? (JSON.parse(r.payload) as { title: string; body: string }) : r.payload,
  }));
}
