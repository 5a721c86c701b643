import type { PgStore } from '../store/index.js';

type RoleName = Parameters<PgStore['roles']['keep']>[0];

/**
 * The loop a team node runs for a role only one node holds at a time (the tick
 * scheduler, the dreamer): it keeps trying for the role, runs `step` every `everyMs`
 * (each step asks whether the role is held), and on stop waits for a step under way
 * before giving the role up, so a dream or a tick slot commits or fails whole.
 */
export class RoleLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: PgStore,
    private readonly role: RoleName,
    private readonly everyMs: number,
    private readonly step: () => Promise<void>,
  ) {}

  /** Tries for the role now; the first step after `firstAfterMs` (0: at once). */
  start(firstAfterMs: number): void {
    this.store.roles.keep(this.role);
    const run = () => {
      if (this.stopping) return;
      this.running = this.step().finally(() => {
        this.running = undefined;
        if (!this.stopping) this.timer = setTimeout(run, this.everyMs).unref();
      });
    };
    if (firstAfterMs === 0) run();
    else this.timer = setTimeout(run, firstAfterMs).unref();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
    await this.store.roles.release(this.role);
  }
}
