import type { Awaitable } from './awaitable.js';
import type { Db } from './db.js';

export interface WebSessionRow {
  /** A hash of the session id: a copy of the database logs nobody in. */
  idHash: string;
  csrf: string;
  expiresAt: number;
}

/**
 * What the login and the session guard (src/web/auth.ts) need of a sessions table: this
 * one, or a team's in PostgreSQL (src/store/pg/web-sessions.ts), shared by every node.
 */
export interface WebSessionTable {
  insert(session: WebSessionRow, now: number): Awaitable<void>;
  byHash(idHash: string): Awaitable<WebSessionRow | undefined>;
  deleteByHash(idHash: string): Awaitable<void>;
}

/** The dashboard's browser sessions (table `web_sessions`), kept so a daemon restart logs nobody out. */
export class WebSessions implements WebSessionTable {
  constructor(private readonly db: Db) {}

  /** Stores a new session, forgetting every one that has expired by `now`. */
  insert(session: WebSessionRow, now: number): void {
    this.db.prepare('DELETE FROM web_sessions WHERE expires_at <= ?').run(now);
    this.db
      .prepare('INSERT INTO web_sessions (id_hash, csrf, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(session.idHash, session.csrf, now, session.expiresAt);
  }

  /** The stored session, expired or not: the caller judges expiry against its clock. */
  byHash(idHash: string): WebSessionRow | undefined {
    return this.db
      .prepare('SELECT id_hash AS idHash, csrf, expires_at AS expiresAt FROM web_sessions WHERE id_hash = ?')
      .get(idHash) as WebSessionRow | undefined;
  }

  deleteByHash(idHash: string): void {
    this.db.prepare('DELETE FROM web_sessions WHERE id_hash = ?').run(idHash);
  }
}
