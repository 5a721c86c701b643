import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/** How fast the arrival-rate estimate forgets: a burst is judged over about this long. */
const RATE_HORIZON_MS = 200;
/**
 * Deliveries per second above which GitHub is sending a burst. A steady stream below it
 * (a busy organisation's day, a bench's 50/s) is decided as it comes: the loop has room
 * for both, and pacing it would only queue decisions — and the notifications behind
 * them — for seconds (issue 18: event → notification).
 */
const BURST_RATE = 200;
/**
 * During a burst, one decision a second. A decision costs the loop more than its own
 * time shows — its log lines, the worker's action, notifications — and none of that
 * helps GitHub's 10 s budget: measured side by side at 2,000 deliveries/s, ten decisions
 * a second doubled the acknowledgement's p99 against one a second (issue 18, README).
 * The backlog, durable in the inbox, is decided at full speed once the burst ends.
 */
export const BURST_DECISION_GAP_MS = 1000;

/**
 * Keeps deciding from starving intake. Both share one event loop, and a decision by
 * the rules provider never waits on I/O, so a backlog would otherwise be decided in
 * one unbroken run of microtasks while webhook requests sit unread. Between two
 * decisions the initiative yields a turn; during a burst it also steps back for a
 * fair share, so acknowledging deliveries (GitHub's 10 s budget) comes first and the
 * backlog — durable in the inbox — is decided as the burst thins.
 */
export class IntakePacer {
  private lastDelivery = -Infinity;
  /** Deliveries per second, an exponentially decaying estimate (O(1) per delivery). */
  private rate = 0;

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly wait: (ms: number) => Promise<unknown> = sleep,
  ) {}

  /** `count` deliveries were stored together (one group commit). */
  noteDelivery(count = 1): void {
    const now = this.now();
    this.rate = this.rateAt(now) + (count * 1000) / RATE_HORIZON_MS;
    this.lastDelivery = now;
  }

  /** The arrival rate now: each delivery adds 1000/horizon, decaying with e^(−Δt/horizon); a steady r/s converges to r. */
  rateAt(now: number): number {
    return this.lastDelivery === -Infinity ? 0 : this.rate * Math.exp(-(now - this.lastDelivery) / RATE_HORIZON_MS);
  }

  /** Between two decisions: a turn of the loop always, and during a burst the gap. */
  async pace(): Promise<void> {
    await nextTurn();
    if (this.rateAt(this.now()) <= BURST_RATE) return;
    await this.wait(BURST_DECISION_GAP_MS);
  }
}
