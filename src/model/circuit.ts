import type { CircuitChange, CircuitStatus } from './decision.js';

export interface CircuitOptions {
  /** Failed calls in a row that open the circuit. */
  failures: number;
  coolDownMs: number;
}

/**
 * A circuit breaker over model calls (closed → open → half-open → closed). While open,
 * no call goes out and the initiative leaves events in the inbox; after the cool-down
 * one probe call is let through: its success closes the circuit, its failure opens it
 * for another cool-down. Time comes from the caller, so tests drive it with a fake clock.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openedAt: number | undefined;
  private until: number | undefined;
  private probing = false;

  constructor(private readonly options: CircuitOptions) {}

  /** When calls may go again; undefined when one may go now. */
  blockedUntil(now: number): number | undefined {
    if (this.until === undefined) return undefined;
    if (now < this.until) return this.until;
    // Half-open: one probe at a time; the others wait one more cool-down at most.
    return this.probing ? now + this.options.coolDownMs : undefined;
  }

  /** Take the right to call now; false while open (or while the half-open probe is out). */
  tryAcquire(now: number): boolean {
    if (this.blockedUntil(now) !== undefined) return false;
    if (this.until !== undefined) this.probing = true;
    return true;
  }

  /** The call was abandoned (vigil is stopping): neither a success nor a failure, but the probe slot is free again. */
  release(): void {
    this.probing = false;
  }

  recordSuccess(): CircuitChange | undefined {
    this.consecutive = 0;
    this.probing = false;
    if (this.openedAt === undefined) return undefined;
    const openedAt = this.openedAt;
    this.openedAt = this.until = undefined;
    return { state: 'closed', openedAt };
  }

  recordFailure(now: number, error: string): CircuitChange | undefined {
    this.consecutive++;
    const probeFailed = this.probing;
    this.probing = false;
    if (!probeFailed && (this.until !== undefined || this.consecutive < this.options.failures)) return undefined;
    this.openedAt ??= now;
    this.until = now + this.options.coolDownMs;
    return { state: 'open', until: this.until, failures: this.consecutive, error };
  }

  status(now: number): CircuitStatus {
    const state = this.until === undefined ? 'closed' : now < this.until ? 'open' : 'half_open';
    return {
      state,
      consecutiveFailures: this.consecutive,
      ...(this.until !== undefined ? { openUntil: new Date(this.until).toISOString() } : {}),
    };
  }
}
