import { VigilError } from '../errors.js';
import type { OwnerAnswer } from '../initiative/index.js';

/**
 * `POST /api/ask` waits for its instruction's decision: the initiative reports each
 * answer here, and the waiting request gets it. A waiter is registered before the
 * initiative is woken, so an answer cannot come before anyone listens.
 */
export class AskWaiters {
  private readonly waiting = new Map<number, (answer: OwnerAnswer) => void>();

  /** Resolves with the answer, or fails with VIGIL_ERR_ASK_TIMEOUT after `ms` (the event stays in the inbox). */
  wait(eventId: number, ms: number): Promise<OwnerAnswer> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(eventId);
        reject(new VigilError('VIGIL_ERR_ASK_TIMEOUT', `event ${eventId} was not decided within ${Math.round(ms / 1000)} s`));
      }, ms);
      timer.unref();
      this.waiting.set(eventId, (answer) => {
        clearTimeout(timer);
        this.waiting.delete(eventId);
        resolve(answer);
      });
    });
  }

  answered(answer: OwnerAnswer): void {
    this.waiting.get(answer.eventId)?.(answer);
  }
}
