import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/** Deliveries within this window mean GitHub is sending a burst. */
const BUSY_WINDOW_MS = 200;
/**
 * During a burst, at most one decision per MIN_WAIT_MS (and 19× what it took, if
 * more). A decision costs more than its own time shows — its log lines, the worker's
 * action, notifications — and none of that helps GitHub's 10 s budget. Ten decisions a
 * second is still more than GitHub sends one owner for long, and the backlog, durable
 * in the inbox, is decided at full speed once the burst ends.
 */
const WAIT_FACTOR = 19;
const MIN_WAIT_MS = 100;
const MAX_WAIT_MS = 250;

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

  noteDelivery(): void {
    this.lastDelivery = performance.now();
  }

  async pace(decisionMs: number): Promise<void> {
    await nextTurn();
    if (performance.now() - this.lastDelivery > BUSY_WINDOW_MS) return;
    await sleep(Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, decisionMs * WAIT_FACTOR)));
  }
}
