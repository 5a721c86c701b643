/**
 * A team's browser sessions (issue 19), `web_sessions` (migration pg-009): SQLite's table
 * (src/store/web-sessions.ts) shared by every node, so that a phone logged in through one
 * node is logged in on all of them. Only a hash of the session id is stored.
 */
import type { WebSessionRow, WebSessionTable } from '../web-sessions.js';
import type { Queryable } from './connect.js';

export class PgWebSessions implements WebSessionTable {
  constructor(private readonly db: Queryable) {}

  /** Stores a new session, forgetting every one that has expired by `now`, in one statement. */
  async insert(session: WebSessionRow, now: number): Promise<void> {
    await this.db.query(
      `WITH expired AS (DELETE FROM web_sessions WHERE expires_at <= $3)
       INSERT INTO web_sessions (id_hash, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
      [session.idHash, session.csrf, now, session.expiresAt],
    );
  }

  /** The stored session, expired or not: the caller judges expiry against its clock. */
  async byHash(idHash: string): Promise<WebSessionRow | undefined> {
    const { rows } = await this.db.query<WebSessionRow>('SELECT id_hash AS "idHash", csrf, expires_at AS "expiresAt" FROM web_sessions WHERE id_hash = $1', [idHash]);
    return rows[0];
  }

  async deleteByHash(idHash: string): Promise<void> {
    await this.db.query('DELETE FROM web_sessions WHERE id_hash = $1', [idHash]);
  }
}
