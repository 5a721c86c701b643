import type { Db } from './db.js';
import { FINAL_STATES } from './actions.js';
import { parseSpoolRef, type Spool } from './spool.js';

/** What one pruning pass removed. */
export interface PruneReport {
  /** Handled inbox rows deleted (with their decisions). */
  inboxRows: number;
  /** Spool segments deleted, and their bytes. */
  segments: number;
  spoolBytes: number;
}

/**
 * Rows looked at per step, and payload refs read per step of the spool's scan: one
 * step is one short transaction, so the daemon's loop answers deliveries between
 * steps (test/store/retention.test.ts measures the longest stall). A step also ends
 * after STEP_BUDGET_MS: on a loaded machine 100 deletes took 10–70 ms.
 */
export const PRUNE_ROWS_PER_STEP = 100;
const STEP_BUDGET_MS = 4;
const REFS_PER_STEP = 5000;

/**
 * Retention (`store.retainDays`, issue 18): the inbox's handled rows and the spool
 * segments that only they pointed into are deleted once older than the window. What
 * is kept, always: an event not yet decided (pending or claimed), an event whose action
 * is not finished, and the newest spooled row — the daemon's start re-indexes the
 * spool after it, so deleting it would bring old deliveries back as new. A pruned
 * event's decision goes with it; its finished actions stay, unlinked (their own rows
 * say what was done). The daily logs are never pruned.
 *
 * `steps` is a generator: each `next()` is one small transaction, and the caller
 * decides when the next runs (the daemon: after the loop has had a turn).
 */
export class Retention {
  private readonly rowsAfter;
  private readonly unfinishedAction;
  private readonly unlinkActions;
  private readonly deleteDecision;
  private readonly deleteRow;
  private readonly refsAfter;
  private readonly newestRef;

  constructor(
    private readonly db: Db,
    private readonly spool: Spool,
    private readonly transaction: <T>(fn: () => T) => T,
  ) {
    this.rowsAfter = db.prepare('SELECT id, state, received_at AS receivedAt, decided_at AS decidedAt FROM inbox WHERE id > ? ORDER BY id LIMIT ?');
    const finals = FINAL_STATES.map((s) => `'${s}'`).join(', ');
    this.unfinishedAction = db.prepare(`SELECT 1 FROM actions WHERE event_id = ? AND state NOT IN (${finals}) LIMIT 1`).pluck();
    this.unlinkActions = db.prepare('UPDATE actions SET event_id = NULL, decision_id = NULL WHERE event_id = ?');
    this.deleteDecision = db.prepare('DELETE FROM decisions WHERE event_id = ?');
    this.deleteRow = db.prepare('DELETE FROM inbox WHERE id = ?');
    this.refsAfter = db.prepare('SELECT id, payload_ref AS ref FROM inbox WHERE id > ? AND payload_ref IS NOT NULL ORDER BY id LIMIT ?');
    this.newestRef = db.prepare('SELECT id, payload_ref AS ref FROM inbox WHERE payload_ref IS NOT NULL ORDER BY id DESC LIMIT 1');
  }

  /** One pass: every handled row received (and decided) before `now - retainMs`, then the segments left unreferenced. */
  *steps(now: number, retainMs: number): Generator<void, PruneReport> {
    const report: PruneReport = { inboxRows: 0, segments: 0, spoolBytes: 0 };
    const cutoff = now - retainMs;
    const keep = (this.newestRef.get() as { id: number } | undefined)?.id ?? 0;
    let after = 0;
    for (;;) {
      const step = this.transaction(() => this.pruneRows(after, cutoff, keep));
      report.inboxRows += step.removed;
      after = step.last;
      if (step.finished) break;
      yield;
    }
    yield* this.pruneSegments(report);
    return report;
  }

  private pruneRows(after: number, cutoff: number, keep: number): { removed: number; last: number; finished: boolean } {
    const rows = this.rowsAfter.all(after, PRUNE_ROWS_PER_STEP) as { id: number; state: string; receivedAt: number; decidedAt: number | null }[];
    let removed = 0;
    const deadline = performance.now() + STEP_BUDGET_MS;
    for (const [i, row] of rows.entries()) {
      // Ids grow with arrival: past the first young row the rest are young too.
      if (row.receivedAt >= cutoff) return { removed, last: row.id, finished: true };
      if (i > 0 && performance.now() > deadline) return { removed, last: rows[i - 1]!.id, finished: false };
      if (row.id === keep || (row.state !== 'decided' && row.state !== 'filtered')) continue;
      if ((row.decidedAt ?? 0) >= cutoff || this.unfinishedAction.get(row.id) !== undefined) continue;
      this.unlinkActions.run(row.id);
      this.deleteDecision.run(row.id);
      this.deleteRow.run(row.id);
      removed++;
    }
    return { removed, last: rows.at(-1)?.id ?? after, finished: rows.length < PRUNE_ROWS_PER_STEP };
  }

  /**
   * Segments before the newest row's, other than the one being written, that no row
   * points into: every delivery they hold was decided and pruned (or was a duplicate
   * never stored as a row). Rows written meanwhile point into newer segments.
   */
  private *pruneSegments(report: PruneReport): Generator<void> {
    const newest = this.newestRef.get() as { ref: string } | undefined;
    if (!newest) return;
    const bound = parseSpoolRef(newest.ref).segment;
    const writing = this.spool.writingSegment();
    const candidates = this.spool.segments().filter((s) => s < bound && s !== writing);
    if (candidates.length === 0) return;
    const referenced = new Set<number>();
    let after = 0;
    for (;;) {
      const refs = this.refsAfter.all(after, REFS_PER_STEP) as { id: number; ref: string }[];
      for (const { ref } of refs) referenced.add(parseSpoolRef(ref).segment);
      if (refs.length < REFS_PER_STEP) break;
      after = refs.at(-1)!.id;
      yield;
    }
    for (const segment of candidates) {
      if (referenced.has(segment)) continue;
      report.spoolBytes += this.spool.removeSegment(segment);
      report.segments++;
      yield;
    }
  }
}
