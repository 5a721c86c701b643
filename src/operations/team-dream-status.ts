/**
 * `vigil dream` without --now on a team's home (issue 19): the team's last dream, how far
 * it read on each node's chain, the dream under way or the owner's request waiting, who
 * holds the dreamer role, and the gate that role's holder asks at each look — the home's
 * `dreamDue` over the team's tables (teamDreamDue) — never the home's own vigil.db. Read
 * by a node (`GET /api/dream`) or by the CLI from the database when none runs on the home.
 */
import type { Config } from '../config/index.js';
import { dreamClocksClear, dreamDue, marksText, MIN_NEW_ENTRIES, teamDueInput } from '../dream/index.js';
import type { PgStore } from '../store/index.js';

export interface TeamDreamStatus {
  lastDreamAt: number | null;
  lastDreamId: string | null;
  /** The node that dreamt it. */
  dreamedBy: string | null;
  /** Each node's chain as far as the last dream read it (`node/day#seq` …); null: nothing yet. */
  readUpTo: string | null;
  lastFailedAt: number | null;
  lastFailure: string | null;
  /** The dream under way on the team, when one is (as the home's lock says it, and where). */
  dreaming: { dreamId: string; node: string; pid: number; startedAt: number } | undefined;
  /** The owner's `vigil dream --now` waiting for the dreamer role's holder's next look. */
  requestedId: string | null;
  /** The node holding the dreamer role: the one that dreams when due. null: no node runs the dreamer. */
  dreamer: string | null;
  /** Whether the gate lets a dream begin now, when none runs. */
  verdict: { due: boolean; reason: string } | undefined;
  /**
   * When none runs and none is due: the earliest moment the gate's clocks allow the next
   * (minHours, an hour after a failure, idleMinutes — if the owner stays idle), and the
   * news lines it still waits for beyond them (0: the clocks alone).
   */
  next: { earliestAt: number; newsWanted: number } | undefined;
}

/** A database no node has started on (no tables yet): no dream kept, none due until a node runs. */
export function unstartedTeamDreamStatus(): TeamDreamStatus {
  return {
    lastDreamAt: null,
    lastDreamId: null,
    dreamedBy: null,
    readUpTo: null,
    lastFailedAt: null,
    lastFailure: null,
    dreaming: undefined,
    requestedId: null,
    dreamer: null,
    verdict: { due: false, reason: 'no node has started on the team\'s database yet (vigil start)' },
    next: undefined,
  };
}

export async function teamDreamStatus(store: Pick<PgStore, 'dreams'>, config: Readonly<Config['dream']>, now: number): Promise<TeamDreamStatus> {
  const [state, dreaming, dreamer] = await Promise.all([store.dreams.state(), store.dreams.dreaming(), store.dreams.dreamer()]);
  const gate = dreaming ? undefined : await teamDueInput(store, config, now);
  const verdict = gate && dreamDue(gate);
  return {
    lastDreamAt: state.lastDreamAt,
    lastDreamId: state.lastDreamId,
    dreamedBy: state.dreamedBy,
    readUpTo: marksText(state.marks),
    lastFailedAt: state.lastFailedAt,
    lastFailure: state.lastFailure,
    dreaming: dreaming && { dreamId: dreaming.dreamId, node: dreaming.node, pid: dreaming.pid, startedAt: dreaming.since },
    requestedId: state.requestedId,
    dreamer: dreamer ?? null,
    verdict,
    next: gate && verdict && !verdict.due ? { earliestAt: dreamClocksClear(gate), newsWanted: Math.max(0, MIN_NEW_ENTRIES - gate.newEntries) } : undefined,
  };
}
