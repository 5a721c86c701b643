import { errorText } from '../errors.js';
import type { PgStore } from '../store/index.js';

/** The roles a beat names when this node holds them (src/store/pg/advisory.ts `ROLES`). */
const ROLE_NAMES = ['tick', 'dreamer', 'redelivery'] as const;

/**
 * A team node's heartbeat, three times per lease: `vigil status` and the other nodes see
 * it alive, with the roles it holds. A beat that fails (the database is away) is said and
 * tried again at the next one.
 */
export class TeamHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly store: Pick<PgStore, 'roles' | 'nodes'>,
    private readonly leaseSeconds: number,
    private readonly warn: (message: string, fields: Record<string, unknown>) => void,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    if (!this.stopped) this.timer = setTimeout(() => void this.beat(), (this.leaseSeconds * 1000) / 3).unref();
  }

  private async beat(): Promise<void> {
    try {
      await this.store.nodes.heartbeat(ROLE_NAMES.filter((role) => this.store.roles.holds(role)));
    } catch (err) {
      this.warn('heartbeat failed', { error: errorText(err) });
    }
    this.schedule();
  }
}
