/**
 * When the missed-delivery sweep runs (issue 3): the SQLite daemon asks its worker at start
 * and every hour; a team node (issue 19) when it gains the `redelivery` role — its start,
 * or a failover — and an hour after the team's last sweep began, and at once when the
 * last sweep was left under way (its holder died or lost the role mid-sweep).
 */
import type { SweepState } from '../store/index.js';

export const SWEEP_INTERVAL_MS = 3_600_000;

export function teamSweepDue(state: SweepState, now: number, gainedSinceLastSweep: boolean): boolean {
  if (gainedSinceLastSweep || !state.ended || state.startedAt === null) return true;
  return now - state.startedAt >= SWEEP_INTERVAL_MS;
}
