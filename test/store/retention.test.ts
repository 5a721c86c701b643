import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { StorePruner } from '../../src/daemon/pruner.js';
import { StoreTrouble } from '../../src/daemon/store-trouble.js';
import { silentOplog } from '../../src/daemon/oplog.js';
import type { EventRecord } from '../../src/events.js';
import { openDb } from '../../src/store/db.js';
import { Store } from '../../src/store/index.js';
import { Spool } from '../../src/store/spool.js';

// Retention (issue 18): 120 simulated days of deliveries, pruned with store.retainDays 90.

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);
const PER_DAY = 300;
const BODY = JSON.stringify({ action: 'opened', issue: { body: 'x'.repeat(300) } });

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function openStore(): Store {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-retention-'));
  dirs.push(dir);
  // Small segments, so a day's deliveries span several and whole ones can go.
  const store = new Store(openDb(path.join(dir, 'vigil.db')), new Spool(path.join(dir, 'spool'), { segmentBytes: 24 * 1024, sync: false }));
  stores.push(store);
  // As on the daemon's connection (src/store/checkpointer.ts): WAL checkpoints, and
  // their fsync, run on a thread, not inside a commit on the loop.
  store.db.pragma('wal_autocheckpoint = 0');
  return store;
}

/** A day of deliveries: spooled, then decided (most), filtered, or left waiting. */
function deliverDay(store: Store, day: number, undecided: Set<number>, withOpenAction: Set<number>): void {
  const start = T0 + day * DAY;
  const records = Array.from({ length: PER_DAY }, (_, i) => ({ deliveryId: `d${day}-${i}`, event: 'issues', receivedAt: start + i * 1000, body: BODY }));
  const refs = store.spool.append(records);
  const claim = store.db.prepare(`UPDATE inbox SET state = 'claimed' WHERE id = ?`);
  store.transaction(() => {
    records.forEach((r, i) => {
      const { id } = store.inbox.addSpooled({ source: 'github', kind: 'github.issues.opened', deliveryId: r.deliveryId, receivedAt: r.receivedAt }, refs[i]!, i % 3 === 0 ? 'filtered' : 'pending');
      if (i % 3 === 0) return;
      // Two events a day wait for a decision in the first weeks: they must survive.
      if (day < 20 && i < 2) return void undecided.add(id);
      const decidedAt = r.receivedAt + 60_000;
      claim.run(id);
      const decisionId = store.decisions.insert({ eventId: id, act: i % 10 === 1, summary: 'seen', model: 'rules' }, decidedAt);
      store.inbox.markDecided(id, decidedAt);
      if (i % 10 !== 1) return;
      const open = day === 5 && i === 11;
      const action = store.actions.insert({ eventId: id, decisionId, action: 'github.comment', params: {}, rationale: 'r', verdict: 'ask', reason: 'r' }, open ? 'awaiting_approval' : 'denied', decidedAt);
      if (open) withOpenAction.add(id);
      void action;
    });
  });
}

/**
 * Milliseconds this thread has waited on a run queue for a core (Linux's schedstat):
 * time the machine's other work took from it, as opposed to time it spent working or
 * waiting for the disk. 0 where the file does not exist.
 */
function runQueueWaitMs(): number {
  try {
    return Number(fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return 0;
  }
}

/** Each step of the store's real retention, timed: its wall time and the part of it spent waiting for a core. */
function timeSteps(store: Store, steps: { wallMs: number; waitedMs: number }[]): void {
  const retention = store.retention;
  const real = retention.steps.bind(retention);
  retention.steps = (now, retainMs) => {
    const inner = real(now, retainMs);
    const timed = {
      next() {
        const [start, waited] = [performance.now(), runQueueWaitMs()];
        const step = inner.next();
        steps.push({ wallMs: performance.now() - start, waitedMs: runQueueWaitMs() - waited });
        return step;
      },
      [Symbol.iterator]() {
        return timed;
      },
    };
    return timed as unknown as ReturnType<typeof real>;
  };
}

/** A loop that only takes turns for `ms`: its longest delay (ms). */
async function idleLoop(ms: number): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  const until = performance.now() + ms;
  while (performance.now() < until) await new Promise((resolve) => setImmediate(resolve));
  histogram.disable();
  return histogram.max / 1e6;
}

describe('store retention', () => {
  it('after 120 days with retainDays 90 keeps only the last 90 days of handled rows, nothing undecided, without stalling the loop', async () => {
    const store = openStore();
    const steps: { wallMs: number; waitedMs: number }[] = [];
    timeSteps(store, steps);
    const clock = new FakeClock(T0);
    const records: EventRecord[] = [];
    const pruner = new StorePruner({
      store,
      clock,
      retainDays: () => 90,
      record: (r) => records.push(r),
      trouble: new StoreTrouble({ oplog: silentOplog(), record: () => undefined, clock }),
    });
    const undecided = new Set<number>();
    const withOpenAction = new Set<number>();
    const segmentsBefore: number[] = [];
    let stallMs = 0;
    let controlMs = 0;
    for (let day = 0; day < 120; day++) {
      clock.set(T0 + day * DAY);
      deliverDay(store, day, undecided, withOpenAction);
      if (day === 110 || day >= 115) {
        // A first pass with 20 days to prune at once, then daily ones.
        clock.set(T0 + (day + 1) * DAY);
        if (day === 110) segmentsBefore.push(...store.spool.segments());
        // A fresh histogram each time: a re-enabled one counts the pause before it. It
        // cannot see the pass's first step, which runs before its first sample (one
        // transaction for the whole pass went unseen by it): each step is timed as well.
        // The loop settles first: the 33,000 rows just written leave the worker 35–130 ms
        // of its own pauses to take in the next second, which a pass begun at once
        // showed as its own (the steps inside them took 2–10 ms).
        await idleLoop(1000);
        const delay = monitorEventLoopDelay({ resolution: 5 });
        const started = performance.now();
        delay.enable();
        await pruner.run();
        delay.disable();
        stallMs = Math.max(stallMs, delay.max / 1e6);
        // An idle loop over five times the span: what a loaded machine (six people on two
        // cores) delays on its own.
        controlMs = Math.max(controlMs, await idleLoop(5 * (performance.now() - started)));
      }
    }
    const now = T0 + 120 * DAY;
    const cutoff = now - 90 * DAY;

    // Nothing handled older than the window is left, except rows an unfinished action holds.
    const oldRows = store.db.prepare('SELECT id, state FROM inbox WHERE received_at < ?').all(cutoff) as { id: number; state: string }[];
    for (const row of oldRows) expect(undecided.has(row.id) || withOpenAction.has(row.id), `row ${row.id} (${row.state})`).toBe(true);
    // …and nothing undecided was pruned: each still reads its payload from the spool.
    expect(oldRows.length).toBe(undecided.size + withOpenAction.size);
    for (const id of undecided) expect(store.inbox.get(id)?.payload).toBe(BODY);
    // Every row of the last 90 days is still there.
    const young = (store.db.prepare('SELECT count(*) FROM inbox WHERE received_at >= ?').pluck().get(cutoff) as number);
    expect(young).toBe(90 * PER_DAY);
    // Decisions went with their events; finished actions stayed, unlinked.
    expect(store.db.prepare('SELECT count(*) FROM decisions d LEFT JOIN inbox i ON i.id = d.event_id WHERE i.id IS NULL').pluck().get()).toBe(0);
    expect(store.db.prepare(`SELECT count(*) FROM actions WHERE state = 'denied' AND event_id IS NULL`).pluck().get()).toBeGreaterThan(0);

    // Spool: the segments only pruned rows used are gone; every row still reads.
    const segments = store.spool.segments();
    expect(segments.length).toBeLessThan(segmentsBefore.length);
    const refs = store.db.prepare('SELECT payload_ref FROM inbox WHERE payload_ref IS NOT NULL').pluck().all() as string[];
    const referenced = new Set(refs.map((r) => Number(r.split(':')[0])));
    const newest = Math.max(...referenced);
    for (const s of segments) expect(referenced.has(s) || s >= newest, `segment ${s}`).toBe(true);
    for (const ref of refs.filter((_, i) => i % 97 === 0)) expect(store.spool.read(ref)).toBe(BODY);

    const longest = steps.reduce((a, b) => (b.wallMs > a.wallMs ? b : a));
    const ownMs = Math.max(...steps.map((step) => step.wallMs - step.waitedMs));
    console.log(
      `retention: ${steps.length} steps; longest loop delay ${stallMs.toFixed(1)} ms while pruning, ${controlMs.toFixed(1)} ms idle; ` +
        `longest step ${longest.wallMs.toFixed(1)} ms (${longest.waitedMs.toFixed(1)} waiting for a core); longest without the wait ${ownMs.toFixed(1)} ms`,
    );
    const pruned = records.filter((r) => r.type === 'store.pruned');
    expect(pruned.length).toBeGreaterThan(1);
    expect(steps.length).toBeGreaterThan(60);
    // No step held the loop 50 ms (the bound of issue 18) by its own work or its disk
    // waits: the time the scheduler gave the core to other processes is not the step's.
    expect(ownMs).toBeLessThan(50);
    // The loop never waited 50 ms while pruning beyond what the machine's own load adds:
    // to an idle loop over the same time, or to a step, as its longest wait for a core.
    const waitedMs = Math.max(...steps.map((step) => step.waitedMs));
    expect(stallMs).toBeLessThan(50 + Math.max(controlMs, waitedMs));
  }, 180_000);
});
