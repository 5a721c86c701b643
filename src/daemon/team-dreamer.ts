/**
 * A team's dreamer (issue 19): whichever node holds the `dreamer` role (an advisory lock,
 * src/store/pg/roles.ts) looks, every third of the lease, whether a dream is due — the
 * home's gate over the team's tables: idle, `dream.minHours` since the last, enough new
 * lines — or asked for, and dreams in its own process (src/dream/team-dream.ts). A holder
 * killed mid-dream loses the role with its connection and its dream's transaction with
 * it; another node takes the role at its next try and, the marks unmoved, dreams the same
 * lines again. The dream's commit is its fence: it refuses when another dream committed
 * since it read the state.
 *
 * `vigil dream --now` through a node (`POST /api/dream`, `now()`): the holder dreams at
 * once; a node that does not hold the role leaves the owner's request in `dream_state`
 * for the holder's next look. Either way one dream at a time across the team: a dream
 * under way (its record in `dream_state`, its holder still holding the role) is
 * VIGIL_ERR_DREAM_BUSY, as on a single daemon.
 */
import type { Clock } from '../clock.js';
import type { Config, WatchedRepo } from '../config/index.js';
import { newDreamId, runTeamDream, teamDreamBusy, teamDreamDue, type Consolidator } from '../dream/index.js';
import { errorText, VigilError } from '../errors.js';
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

/** What `POST /api/dream` answers on a node. */
export interface TeamDreamStarted {
  dreamId: string;
  /** The node asked, and its process. */
  node: string;
  pid: number;
  /** true: this node dreams it now; false: asked of the role's holder, which dreams it at its next look. */
  here: boolean;
}

export class TeamDreamer {
  private readonly loop: RoleLoop;
  private readonly everyMs: number;
  /** The dream this node runs now. */
  private current: { dreamId: string; since: number; done: Promise<void> } | undefined;
  private stopping = false;

  constructor(private readonly deps: TeamDreamerDeps) {
    this.everyMs = (deps.leaseSeconds * 1000) / 3;
    this.loop = new RoleLoop(deps.store, 'dreamer', this.everyMs, () => this.step());
  }

  /** Tries for the role now; every third of the lease, dreams when it holds it and a dream is due or asked for. */
  start(): void {
    this.loop.start(this.everyMs);
  }

  /** Waits for a dream under way (it commits or fails whole), then gives the role up. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.current?.done;
    await this.loop.stop();
  }

  /** `vigil dream --now` through this node. */
  async now(): Promise<TeamDreamStarted> {
    const { store, clock } = this.deps;
    if (this.stopping) throw new VigilError('VIGIL_ERR_NOT_RUNNING', 'this node is stopping');
    this.refuseIfDreaming();
    const elsewhere = await store.dreams.dreaming();
    if (elsewhere) throw teamDreamBusy(elsewhere);
    if (store.roles.holds('dreamer') && (await store.roles.confirm('dreamer'))) {
      // Checked again: a step may have begun one while this waited for the database.
      this.refuseIfDreaming();
      const dreamId = newDreamId();
      // Not awaited: the answer names the dream; its end is its line on this node's chain (stop() waits for it).
      void this.begin(dreamId, 'manual');
      return { dreamId, node: store.node, pid: process.pid, here: true };
    }
    return { dreamId: await store.dreams.request(newDreamId(), clock.now()), node: store.node, pid: process.pid, here: false };
  }

  private refuseIfDreaming(): void {
    const current = this.current;
    if (current) throw teamDreamBusy({ dreamId: current.dreamId, node: this.deps.store.node, pid: process.pid, since: current.since });
  }

  private async step(): Promise<void> {
    const { store, clock } = this.deps;
    if (!store.roles.holds('dreamer') || this.current || this.stopping) return;
    let dreaming: Promise<void> | undefined;
    try {
      const state = await store.dreams.state();
      // The owner's request first (made through a node without the role), then the gate.
      const requested = state.requestedId;
      if (!requested && !(await teamDreamDue(store, this.deps.config().dream, clock.now())).due) return;
      if (!(await store.roles.confirm('dreamer')) || this.current || this.stopping) return;
      dreaming = this.begin(requested ?? newDreamId(), requested ? 'manual' : 'idle');
    } catch (err) {
      this.deps.warn('dream failed', { error: errorText(err) });
    }
    // The loop's next step, and its stop, wait for the dream.
    await dreaming;
  }

  /** Starts a dream in this process (synchronously marked as this node's current one: no second begins). */
  private begin(dreamId: string, trigger: 'idle' | 'manual'): Promise<void> {
    const { store, clock } = this.deps;
    const { dream, repos, permissions } = this.deps.config();
    const backend = store.roles.backendOf('dreamer');
    const done = runTeamDream({
      store,
      clock,
      dream,
      repos,
      permissions,
      trigger,
      dreamId,
      consolidator: this.deps.consolidator(),
      ...(backend !== undefined ? { holder: { pid: process.pid, backend } } : {}),
    }).then(
      (report) => this.deps.info('dream finished', { dreamId: report.dreamId, entriesRead: report.entriesRead, filesWritten: report.filesWritten }),
      // Its dream.failed line is on the chain; the gate waits an hour after a failure (dreamDue).
      (err: unknown) => this.deps.warn('dream failed', { dreamId, error: errorText(err) }),
    ).finally(() => {
      this.current = undefined;
    });
    this.current = { dreamId, since: clock.now(), done };
    return done;
  }
}
