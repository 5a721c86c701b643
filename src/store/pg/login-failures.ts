/**
 * The login limits of a team (issue 19): the failed logins and Bearer guesses of the last
 * window, in `login_failures` (migration pg-013), so that the limits of
 * src/web/login-guard.ts hold across nodes — ten failures an address and thirty in all a
 * minute for the team, not for each node behind its load balancer.
 */
import type pg from 'pg';
import { ADVISORY_CLASS, LOGIN_LOCK } from './advisory.js';
import { withTransaction } from './connect.js';

/** The limits of a sliding window (src/web/login-guard.ts's LOGIN_LIMITS). */
export interface LoginWindow {
  windowMs: number;
  perAddress: number;
  aggregate: number;
}

/** A try judged for the team: refused by a limit (and until when), or admitted and its token compared. */
export type TeamAttempt = { admitted: false; scope: 'address' | 'all'; retryAfterMs: number } | { admitted: true; right: boolean };

/** Failed logins kept where every node of a team counts them. */
export interface LoginFailureTable {
  attempt(address: string, now: number, limits: LoginWindow, isRight: () => boolean): Promise<TeamAttempt>;
}

export class PgLoginFailures implements LoginFailureTable {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * One try, under the team's login lock: refused when the window's failures reach a
   * limit; otherwise `isRight()` compares the token and a wrong one is counted before
   * the lock is let go. Counting first and adding after, outside a lock, let ten guesses
   * sent at once through several nodes all read the same count and all be admitted.
   * The rows that left the window go in the same transaction.
   */
  attempt(address: string, now: number, limits: LoginWindow, isRight: () => boolean): Promise<TeamAttempt> {
    const since = now - limits.windowMs;
    return withTransaction(this.pool, async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1, $2)', [ADVISORY_CLASS, LOGIN_LOCK]);
      const { rows } = await tx.query<{ mine: number; mine_oldest: string | null; everyone: number; everyone_oldest: string | null }>(
        `SELECT count(*) FILTER (WHERE address = $1)::int AS mine, min(at) FILTER (WHERE address = $1) AS mine_oldest,
                count(*)::int AS everyone, min(at) AS everyone_oldest
         FROM login_failures WHERE at > $2`,
        [address, since],
      );
      const row = rows[0]!;
      if (row.everyone >= limits.aggregate) return { admitted: false, scope: 'all', retryAfterMs: Math.max(0, Number(row.everyone_oldest) + limits.windowMs - now) };
      if (row.mine >= limits.perAddress) return { admitted: false, scope: 'address', retryAfterMs: Math.max(0, Number(row.mine_oldest) + limits.windowMs - now) };
      if (isRight()) return { admitted: true, right: true };
      await tx.query(`WITH gone AS (DELETE FROM login_failures WHERE at <= $3) INSERT INTO login_failures (address, at) VALUES ($1, $2)`, [address, now, since]);
      return { admitted: true, right: false };
    });
  }
}
