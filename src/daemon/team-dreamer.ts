/**
 * A team's dreamer (issue 19): whichever node holds the `dreamer` role (an advisory lock,
 * src/store/pg/roles.ts) looks, every third of the lease, whether a dream is due — the
 * home's gate over the team's tables: idle, `dream.minHours` since the last, enough new
 * lines — and dreams in its own process (src/dream/team-dream.ts). A holder killed
 * mid-dream loses the role with its connection and its dream's transaction with it;
 * another node takes the role at its next try and, the marks unmoved, dreams the same
 * lines again. The dream's commit is its fence: it refuses when another dream committed
 * since it read the state.
 */
import type { Clock } from '../clock.js';
import type { Config, WatchedRepo } from '../config/index.js';
import { runTeamDream, teamDreamDue, type Consolidator } from '../dream/index.js';
import { errorText } from '../errors.js';
import type { PgStore } from '../store/index.js';
import { RoleLoop } from './role-loop.js';

export interface TeamDreamerDeps {
  store: PgStore;
  clock: Clock;
  config: () => { dream: Readonly<Config['dream']>; repos: readonly WatchedRepo[]; permissions: Readonly<Config['permissions']> };
  /** What consolidates this dream: the configured model's (as a home's dream child builds it), else the rules pass. */
  consolidator: () => Consolidator;
  leaseSeconds: number;
  info: (message: string, fields: Record<string, unknown>) => void;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

export class TeamDreamer {
  private readonly loop: RoleLoop;
  private readonly everyMs: number;

  constructor(private readonly deps: TeamDreamerDeps) {
    this.everyMs = (deps.leaseSeconds * 1000) / 3;
    this.loop = new RoleLoop(deps.store, 'dreamer', this.everyMs, () => this.step());
  }

  /** Tries for the role now; every third of the lease, dreams when it holds it and a dream is due. */
  start(): void {
    this.loop.start(this.everyMs);
  }

  /** Waits for a dream under way (it commits or fails whole), then gives the role up. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async step(): Promise<void> {
    const { store, clock } = this.deps;
    if (!store.roles.holds('dreamer')) return;
    try {
      const { dream, repos, permissions } = this.deps.config();
      const due = await teamDreamDue(store, dream, clock.now());
      if (!due.due || !(await store.roles.confirm('dreamer'))) return;
      const report = await runTeamDream({ store, clock, dream, repos, permissions, trigger: 'idle', consolidator: this.deps.consolidator() });
      this.deps.info('dream finished', { dreamId: report.dreamId, entriesRead: report.entriesRead, filesWritten: report.filesWritten });
    } catch (err) {
      // Its dream.failed line is on the chain; the gate waits an hour after a failure (dreamDue).
      this.deps.warn('dream failed', { error: errorText(err) });
    }
  }
}
