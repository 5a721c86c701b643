/**
 * Body bytes read but not yet verified, across every connection (issue 12): until its
 * signature checks, a body is anyone's, and 25 MB bodies buffered without a bound let
 * a few unsigned requests take the daemon's memory (four at once: 83 → 320 MB RSS).
 * A body reserves its declared length before a byte is read; past the limit it is
 * answered 503 and never read.
 */
export class BodyBudget {
  private used = 0;

  constructor(readonly limit: number) {}

  tryTake(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  give(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  get inUse(): number {
    return this.used;
  }
}
