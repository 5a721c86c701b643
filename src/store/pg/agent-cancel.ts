/**
 * `vigil cancel ID` on a team (issue 19, migration pg-017): the request to stop a running
 * agent task is a column of the action's row, `cancel_requested_at`. Any machine's CLI
 * sets it (the team's database is the one place every node reads); the worker running
 * the task polls it (src/agent/cancel.ts `CancelFlag`) and clears it when the task ends.
 * It goes with its action when retention prunes the row.
 */
import type { Queryable } from './connect.js';

export class PgAgentCancels {
  constructor(private readonly db: Queryable) {}

  /** The action's kind and state, its row locked for the caller's transaction (the CLI checks, then sets). */
  async lock(tx: Queryable, id: string): Promise<{ action: string; state: string } | undefined> {
    return (await tx.query<{ action: string; state: string }>('SELECT action, state FROM actions WHERE id = $1 FOR UPDATE', [id])).rows[0];
  }

  async request(tx: Queryable, id: string, now: number): Promise<void> {
    await tx.query('UPDATE actions SET cancel_requested_at = $2 WHERE id = $1', [id, now]);
  }

  async requested(id: string): Promise<boolean> {
    const row = (await this.db.query<{ asked: boolean }>('SELECT cancel_requested_at IS NOT NULL AS asked FROM actions WHERE id = $1', [id])).rows[0];
    return row?.asked === true;
  }

  async clear(id: string): Promise<void> {
    await this.db.query('UPDATE actions SET cancel_requested_at = NULL WHERE id = $1 AND cancel_requested_at IS NOT NULL', [id]);
  }
}
