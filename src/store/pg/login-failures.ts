/**
 * The login limits of a team (issue 19): the failed logins and Bearer guesses of the last
 * window, in `login_failures` (migration pg-013), so that the limits of
 * src/web/login-guard.ts hold across nodes — ten failures an address and thirty in all a
 * minute for the team, not for each node behind its load balancer.
 */
import type { Queryable } from './connect.js';

/** The failures inside a window: one address's and everyone's, each with its oldest (epoch ms; null when none). */
export interface LoginFailureCounts {
  address: number;
  addressOldest: number | null;
  all: number;
  allOldest: number | null;
}

/** Failed logins kept where every node of a team counts them. */
export interface LoginFailureTable {
  counts(address: string, since: number): Promise<LoginFailureCounts>;
  add(address: string, at: number, before: number): Promise<void>;
}

export class PgLoginFailures implements LoginFailureTable {
  constructor(private readonly db: Queryable) {}

  /** The failures after `since`: this address's and everyone's, with the oldest of each (when it leaves the window, a try frees). */
  async counts(address: string, since: number): Promise<LoginFailureCounts> {
    const { rows } = await this.db.query<{ mine: number; mine_oldest: number | null; everyone: number; everyone_oldest: number | null }>(
      `SELECT count(*) FILTER (WHERE address = $1)::int AS mine, min(at) FILTER (WHERE address = $1) AS mine_oldest,
              count(*)::int AS everyone, min(at) AS everyone_oldest
       FROM login_failures WHERE at > $2`,
      [address, since],
    );
    const row = rows[0]!;
    return { address: row.mine, addressOldest: row.mine_oldest, all: row.everyone, allOldest: row.everyone_oldest };
  }

  /** One failure; the rows that left the window (`before`) go in the same statement. */
  async add(address: string, at: number, before: number): Promise<void> {
    await this.db.query(`WITH gone AS (DELETE FROM login_failures WHERE at <= $3) INSERT INTO login_failures (address, at) VALUES ($1, $2)`, [address, at, before]);
  }
}
