/**
 * The actions table as a test reads it, on either backend (test/helpers/backend.ts). The
 * worker that runs an action is `worker_pid` on SQLite; on PostgreSQL the claim's holder,
 * `<node>:w<pid>` (src/store/pg/nodes.ts), names it, so the pid is read out of that.
 */
import { homeStoreUrl } from './backend.js';
import { query } from './home.js';

export interface ActionRow {
  id: string;
  action: string;
  state: string;
  attempts: number;
  /** The worker process running it (null when none does). */
  worker_pid: number | null;
  result: string | null;
}

/** Action rows in creation order; `where` is SQL over the columns both schemas share, with `?` placeholders. */
export function actionRows(home: string, where = 'TRUE', ...args: unknown[]): ActionRow[] {
  const pid = homeStoreUrl(home) ? `CAST(substring(claimed_by FROM ':w([0-9]+)$') AS integer)` : 'worker_pid';
  return query<ActionRow>(home, `SELECT id, action, state, attempts, ${pid} AS worker_pid, result FROM actions WHERE ${where} ORDER BY created_at, id`, ...args);
}
