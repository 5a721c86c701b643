import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { homePaths } from '../../src/home/index.js';
import { Journal } from '../../src/journal/index.js';
import { DreamScheduler } from '../../src/daemon/dream-scheduler.js';
import { loadDreamState, NewEntryCounter } from '../../src/dream/index.js';
import { MIN_NEW_ENTRIES } from '../../src/dream/due.js';
import { readDreamLock } from '../../src/dream/lock.js';
import fs from 'node:fs';
import { DailyLog, listLogDates, logFilePath } from '../../src/logs/index.js';
import { Store } from '../../src/store/index.js';
import { cliEnv, logEntries, makeHome, removeHomes, waitFor } from '../helpers/home.js';

const MINUTE = 60_000;
const open: { store: Store; log: DailyLog; scheduler: DreamScheduler }[] = [];

afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.scheduler.stop(1000);
    o.log.close();
    o.store.close();
  }
  removeHomes();
});

/** The daemon's side of dreaming, in this process with a fake clock; the dream itself runs in a real child. */
function setup(env: NodeJS.ProcessEnv = {}) {
  const home = makeHome();
  const paths = homePaths(home);
  const clock = new FakeClock(Date.now());
  const store = Store.open(paths.db);
  const log = new DailyLog({ dir: paths.logs, clock });
  const journal = new Journal(store, log, paths.logs);
  let digests = 0;
  const scheduler = new DreamScheduler({
    paths,
    store,
    journal,
    clock,
    config: () => ({ idleMinutes: 30, minHours: 24, staleDays: 60 }),
    env: cliEnv(home, env),
    onDigest: () => digests++,
  });
  open.push({ store, log, scheduler });
  const news = (n: number) => log.appendMany(Array.from({ length: n }, (_, i) => ({ type: 'decision.made', summary: `news ${i}`, act: false })));
  const ownerEvent = () => store.inbox.add({ source: 'github', kind: 'github.push', payload: '{}', receivedAt: clock.now() });
  return { home, paths, clock, store, scheduler, news, ownerEvent, digests: () => digests };
}

async function ended(scheduler: DreamScheduler): Promise<void> {
  await waitFor(() => scheduler.running() === undefined, 15_000, 'the dream child to end');
}

describe('dream.runIfDue(now): the idle gate, with a fake clock', () => {
  it('waits for enough news, for the owner to be idle idleMinutes (ticks do not count), then dreams in a child', async () => {
    const { home, clock, store, scheduler, news, ownerEvent } = setup();
    expect(await scheduler.runIfDue(clock.now())).toMatchObject({ due: false, reason: expect.stringMatching(/^0 new log entries/) });
    news(MIN_NEW_ENTRIES);
    // Ticks and housekeeping are not news.
    store.inbox.add({ source: 'tick', kind: 'tick', payload: '{}', receivedAt: clock.now() });
    ownerEvent();
    clock.advance(10 * MINUTE);
    expect(await scheduler.runIfDue(clock.now())).toMatchObject({ due: false, reason: 'the owner was active 10 min ago (dream.idleMinutes: 30)' });
    clock.advance(15 * MINUTE);
    store.inbox.add({ source: 'tick', kind: 'tick', payload: '{}', receivedAt: clock.now() });
    clock.advance(6 * MINUTE);
    const outcome = await scheduler.runIfDue(clock.now());
    expect(outcome).toMatchObject({ due: true, reason: `idle, at least ${MIN_NEW_ENTRIES} new log entries` });
    const dreamId = (outcome as { dreamId: string }).dreamId;
    expect(scheduler.running()?.dreamId).toBe(dreamId);
    expect(await scheduler.runIfDue(clock.now())).toMatchObject({ due: false, reason: `dream ${dreamId} is running` });
    await ended(scheduler);
    const entries = logEntries(home).filter((e) => e.type.startsWith('dream.'));
    expect(entries.map((e) => [e.type, e.dreamId])).toEqual([
      ['dream.started', dreamId],
      ['dream.finished', dreamId],
    ]);
    expect(entries[0]).toMatchObject({ trigger: 'idle', since: null });
    // The news, and its own dream.started if the daemon had flushed it before the child read the log.
    expect([MIN_NEW_ENTRIES, MIN_NEW_ENTRIES + 1]).toContain(entries[1]!.entriesRead);
    // Right after: minHours; a day later, not enough news.
    expect((await scheduler.runIfDue(clock.now())).reason).toMatch(/the last dream was \d+ min ago \(dream\.minHours: 24\)/); // the child dreamt on the system clock
    clock.advance(25 * 60 * MINUTE);
    expect((await scheduler.runIfDue(clock.now())).reason).toMatch(/new log entries since the last dream/);
    expect(loadDreamState(store).lastDreamId).toBe(dreamId);
  });

  it('a dream child the daemon stops mid-dream (SIGTERM) lets its lock go as it exits, and says so in the log', async () => {
    const { home, paths, scheduler } = setup({ VIGIL_FAILPOINTS: 'dream.delay=20000' });
    const { dreamId, pid } = scheduler.runNow();
    const lock = path.join(paths.home, 'dream.lock');
    await waitFor(() => readDreamLock(lock)?.pid === pid, 10_000, 'the child to lock');
    await scheduler.stop(10_000);
    expect(scheduler.running()).toBeUndefined();
    // Released on exit (lock.ts's `process.once('exit', …)`), not left for the next dream's stale takeover.
    expect(fs.existsSync(lock)).toBe(false);
    expect(logEntries(home).find((e) => e.type === 'dream.failed')).toMatchObject({ dreamId, reason: `the dream process ${pid} exited with code 143` });
  });

  it('a dream child killed mid-dream is logged as dream.failed, and the next try waits an hour', async () => {
    const { home, paths, clock, scheduler } = setup({ VIGIL_FAILPOINTS: 'dream.delay=20000' });
    const { dreamId, pid } = scheduler.runNow();
    await waitFor(() => readDreamLock(path.join(paths.home, 'dream.lock'))?.pid === pid, 10_000, 'the child to lock');
    expect(() => scheduler.runNow()).toThrow(/a dream is already in progress/);
    process.kill(pid, 'SIGKILL');
    await ended(scheduler);
    const failed = logEntries(home).find((e) => e.type === 'dream.failed');
    expect(failed).toMatchObject({ dreamId, reason: `the dream process ${pid} exited with SIGKILL` });
    expect((await scheduler.runIfDue(clock.now())).reason).toMatch(/pid \d+ is dreaming|the last dream failed 0 min ago/);
  });
});

describe('the gate counts news only until a dream is worth it', () => {
  it('after days without a dream it reads one window of the logs, not all of them, and never the same bytes twice', async () => {
    const paths = homePaths(makeHome());
    const clock = new FakeClock(Date.UTC(2026, 0, 10, 12));
    const log = new DailyLog({ dir: paths.logs, clock });
    // Three days of 12,000 news entries each (about 2 MB a day; the reader's window is 1 MB).
    for (let day = 0; day < 3; day++) {
      log.appendMany(Array.from({ length: 12_000 }, (_, i) => ({ type: 'decision.made', summary: `news ${day}-${i} about the parser and its flaky test`, act: false })));
      clock.advance(24 * 60 * MINUTE);
    }
    log.close();
    const counter = new NewEntryCounter();
    const counted = await counter.countSince(paths.logs, null);
    expect(counted).toBeGreaterThanOrEqual(MIN_NEW_ENTRIES);
    expect(counted).toBeLessThan(12_000); // one window of the first day: the gate's question is answered there
    expect(await counter.countSince(paths.logs, null)).toBe(counted); // and nothing more is read for it
    // A dream moved the watermark to the end of the logs: counting starts again from there.
    const last = listLogDates(paths.logs).at(-1)!;
    const end = { date: last, offset: fs.statSync(logFilePath(paths.logs, last)).size };
    expect(await counter.countSince(paths.logs, end)).toBe(0);
  });
});
