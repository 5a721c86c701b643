/**
 * A team's redelivery sweep (issue 19), from the node's side: whichever node holds the
 * `redelivery` role (an advisory lock, src/store/pg/roles.ts) asks its worker — which
 * alone holds the GitHub credentials — to sweep for missed deliveries when one is due
 * (sweep-due.ts), having confirmed the role with the database first; the worker asks the
 * node again before each redelivery request (src/exec/team-sweep.ts). Its state is the
 * team's (`sweep_state`, `redeliveries`): a node that takes the role over continues where
 * its predecessor stopped. A node takes part only with a hook id and GitHub credentials,
 * as the SQLite daemon sweeps only then.
 */
import type { Clock } from '../clock.js';
import { errorText } from '../errors.js';
import type { PgStore } from '../store/index.js';
import { RoleLoop } from './role-loop.js';
import { teamSweepDue } from './sweep-due.js';

export interface TeamRedeliveryDeps {
  store: PgStore;
  clock: Clock;
  leaseSeconds: number;
  /** Asks the node's worker to sweep; false when none listens now. */
  sweep: () => boolean;
  warn: (message: string, fields: Record<string, unknown>) => void;
}

export class TeamRedelivery {
  private readonly loop: RoleLoop;
  /** The worker was asked and has not said it is done. */
  private sweeping = false;
  /** The role was gained since this node's last sweep: sweep at once, as the SQLite daemon does at start. */
  private gained = false;

  constructor(private readonly deps: TeamRedeliveryDeps) {
    const everyMs = (deps.leaseSeconds * 1000) / 3;
    this.loop = new RoleLoop(deps.store, 'redelivery', everyMs, () => this.step());
  }

  /** Tries for the role now; looks every third of the lease. */
  start(): void {
    this.loop.start(1000);
  }

  /** Gives the role up; a sweep under way in the worker stops at its next confirm. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** The role was gained (roles.ts events). */
  roleGained(): void {
    this.gained = true;
  }

  /** The worker's sweep ended (or the worker exited). */
  swept(): void {
    this.sweeping = false;
  }

  private async step(): Promise<void> {
    const { store, clock } = this.deps;
    if (this.sweeping || !store.roles.holds('redelivery')) return;
    try {
      const state = await store.redeliveries.state();
      if (!teamSweepDue(state, clock.now(), this.gained)) return;
      if (!(await store.roles.confirm('redelivery'))) return;
      if (this.deps.sweep()) {
        this.sweeping = true;
        this.gained = false;
      }
    } catch (err) {
      // The database away: looked at again at the next step.
      this.deps.warn('redelivery sweep not started', { error: errorText(err) });
    }
  }
}
