/**
 * The login a team's workers act as on GitHub (issue 19), as the author GitHub named on
 * the team's last comment or issue: one value for the team in its `team` row (migration
 * pg-019). A node's own process holds no GitHub credential to ask who that is, as on
 * SQLite (the home's kv `github.actingLogin`); whichever node's worker wrote last says it,
 * and every node's decisions read it, so a delivery sent by that login is vigil's own on
 * every node (src/initiative/own-echo.ts, team-own-echo.ts).
 */
import type { Queryable } from './connect.js';

export interface ActingLogin {
  login: string;
  /** When a worker last saw GitHub name it (epoch ms). */
  at: number;
}

export class PgActingLogin {
  constructor(private readonly db: Queryable) {}

  async get(): Promise<ActingLogin | undefined> {
    const { rows } = await this.db.query<{ login: string | null; at: string | number | null }>(`SELECT acting_login AS login, acting_login_at AS at FROM team LIMIT 1`);
    const row = rows[0];
    return row?.login ? { login: row.login, at: Number(row.at) } : undefined;
  }

  /** A newer sighting only: two workers that wrote at once leave the later one's. */
  async remember(login: string, at: number): Promise<void> {
    await this.db.query(`UPDATE team SET acting_login = $1, acting_login_at = $2 WHERE acting_login_at IS NULL OR acting_login_at <= $2`, [login, at]);
  }
}
