import fs from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { DailyLog, followLog, logFilePath, type LogEntry } from '../../src/logs/index.js';
import { localMs, useTempDir } from './helpers.js';

const tempDir = useTempDir();

function startFollowing(dir: string, clock: FakeClock, fromEnd: boolean) {
  const seen: LogEntry[] = [];
  const controller = new AbortController();
  const done = followLog({ dir, clock, fromEnd, pollMs: 20, signal: controller.signal, onEntry: (e) => seen.push(e) });
  const types = () => seen.map((e) => e.type);
  return { seen, types, done, stop: () => controller.abort() };
}

describe('followLog', () => {
  it('sees entries appended after it started, across the day rollover', async () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10, 23, 59, 0));
    const log = new DailyLog({ dir, clock });
    log.append({ type: 'old' });

    const follow = startFollowing(dir, clock, true);
    log.append({ type: 'one' });
    log.appendMany([{ type: 'two' }, { type: 'three' }]);
    await vi.waitFor(() => expect(follow.types()).toEqual(['one', 'two', 'three']), { timeout: 2000, interval: 10 });

    clock.advance(120_000);
    const tomorrow = log.append({ type: 'tomorrow' });
    await vi.waitFor(() => expect(follow.types()).toEqual(['one', 'two', 'three', 'tomorrow']), { timeout: 2000, interval: 10 });
    expect(follow.seen[3]).toEqual(tomorrow);
    expect(fs.existsSync(logFilePath(dir, '2026-06-11'))).toBe(true);

    follow.stop();
    await follow.done;
    log.close();
  });

  it('replays today from the start when not fromEnd, and waits for a file to appear', async () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10));
    const follow = startFollowing(dir, clock, false);
    await new Promise((r) => setTimeout(r, 50));
    const log = new DailyLog({ dir, clock });
    log.append({ type: 'a' });
    log.append({ type: 'b' });
    await vi.waitFor(() => expect(follow.types()).toEqual(['a', 'b']), { timeout: 2000, interval: 10 });
    follow.stop();
    await follow.done;
    log.close();
  });

  it('does not emit a line until it is complete', async () => {
    const dir = tempDir();
    const clock = new FakeClock(localMs(10));
    const log = new DailyLog({ dir, clock });
    log.append({ type: 'seed' });
    log.close();
    const file = logFilePath(dir, '2026-06-10');
    const whole = fs.readFileSync(file, 'utf8');
    fs.rmSync(file);
    fs.writeFileSync(file, whole.slice(0, 40));

    const follow = startFollowing(dir, clock, false);
    await new Promise((r) => setTimeout(r, 80));
    expect(follow.seen).toEqual([]);
    fs.appendFileSync(file, whole.slice(40));
    await vi.waitFor(() => expect(follow.types()).toEqual(['seed']), { timeout: 2000, interval: 10 });
    follow.stop();
    await follow.done;
  });

  it('resolves at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const onEntry = vi.fn();
    await followLog({ dir: tempDir(), clock: new FakeClock(localMs(10)), fromEnd: false, onEntry, signal: controller.signal });
    expect(onEntry).not.toHaveBeenCalled();
  });
});
