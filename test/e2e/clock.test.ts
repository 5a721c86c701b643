import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.js';
import { Daemon } from '../../src/daemon/index.js';
import { verifyLogDir } from '../../src/logs/index.js';
import { cliEnv, logEntries, makeHome, removeHomes, writeConfig } from '../helpers/home.js';

afterEach(() => {
  vi.useRealTimers();
  removeHomes();
});

function token(home: string): string {
  return (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string }).dashboardToken;
}

describe('the daemon under a fake clock', () => {
  it('across a midnight writes two daily files whose chains both verify', async () => {
    const home = makeHome();
    writeConfig(home, { http: { host: '127.0.0.1', port: 0 } });
    const beforeMidnight = new Date(2026, 10, 25, 23, 59, 58).getTime();
    const clock = new FakeClock(beforeMidnight);
    const daemon = new Daemon({ home, clock, env: cliEnv(home) });
    await daemon.start();
    try {
      const tick = async () => {
        const res = await fetch(`${daemon.url}/api/tick`, { method: 'POST', headers: { authorization: `Bearer ${token(home)}` } });
        expect(res.status).toBe(202);
      };
      await tick();
      await vi.waitFor(() => expect(logEntries(home).filter((e) => e.type === 'decision.made')).toHaveLength(1));
      clock.advance(10_000); // 00:00:08 the next day
      await tick();
      await vi.waitFor(() => expect(logEntries(home).filter((e) => e.type === 'decision.made')).toHaveLength(2));
    } finally {
      await daemon.stop();
    }
    const results = verifyLogDir(path.join(home, 'logs'));
    expect(results.map((r) => path.basename(r.file))).toEqual(['2026-11-25.jsonl', '2026-11-26.jsonl']);
    for (const r of results) expect(r.ok, JSON.stringify(r.firstBad)).toBe(true);
    const secondDay = fs.readFileSync(path.join(home, 'logs', '2026-11-26.jsonl'), 'utf8');
    expect(secondDay).toContain('"type":"decision.made"');
  });

  it("over a simulated idle day with the default schedule the model is called once, and once more when the owner's next day begins", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date(2026, 10, 25, 0, 0, 30));
    const home = makeHome();
    writeConfig(home, { http: { host: '127.0.0.1', port: 0 }, tick: { schedule: '*/15 * * * *' } });
    const daemon = new Daemon({ home, clock: { now: () => Date.now() }, env: cliEnv(home) });
    await daemon.start();
    try {
      for (let hour = 0; hour < 24; hour++) await vi.advanceTimersByTimeAsync(3_600_000);
    } finally {
      await daemon.stop();
    }
    const entries = logEntries(home);
    const received = entries.filter((e) => e.type === 'event.received');
    const decisions = entries.filter((e) => e.type === 'decision.made');
    const skipped = entries.filter((e) => e.type === 'tick.skipped');
    // 96 scheduled ticks: the first is decided (there is no baseline yet), and the last, at
    // midnight, because the owner's next day began (no owner.workingHours: it begins at
    // midnight; issue 15 decides that tick so a standing order for the day is seen). The
    // 94 between are quiet.
    expect(received.length + skipped.length).toBe(96);
    expect(decisions.length).toBeLessThanOrEqual(2);
    expect(skipped.length).toBeGreaterThanOrEqual(94);
  });

  it('a tick is not quiet when an approval changed state or a reminder came due', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
    vi.setSystemTime(new Date(2026, 10, 25, 9, 0, 30));
    const home = makeHome();
    writeConfig(home, {
      http: { host: '127.0.0.1', port: 0 },
      tick: { schedule: '*/15 * * * *' },
      rules: [{ on: 'tick', match: { 'payload.trigger': 'manual' }, propose: { action: 'github.create_issue', params: { repo: 'octo/app', title: 't', body: 'b' } } }],
    });
    const daemon = new Daemon({ home, clock: { now: () => Date.now() }, env: cliEnv(home) });
    await daemon.start();
    try {
      await vi.advanceTimersByTimeAsync(15 * 60_000); // first scheduled tick: decided (baseline)
      await vi.advanceTimersByTimeAsync(15 * 60_000); // quiet
      const res = await fetch(`${daemon.url}/api/tick`, { method: 'POST', headers: { authorization: `Bearer ${token(home)}` } });
      expect(res.status).toBe(202);
      await vi.waitFor(() => expect(logEntries(home).some((e) => e.type === 'approval.requested')).toBe(true));
      await vi.advanceTimersByTimeAsync(15 * 60_000); // quiet: the approval was the tick's own doing
      const id = logEntries(home).find((e) => e.type === 'approval.requested')!.actionId as string;
      const deny = await fetch(`${daemon.url}/api/approvals/${id}/deny`, { method: 'POST', headers: { authorization: `Bearer ${token(home)}` } });
      expect(deny.status).toBe(200);
      await vi.advanceTimersByTimeAsync(15 * 60_000); // not quiet: the owner answered
    } finally {
      await daemon.stop();
    }
    const ticks = logEntries(home).filter((e) => e.type === 'tick.skipped' || (e.type === 'event.received' && e.kind === 'tick'));
    expect(ticks.map((e) => e.type)).toEqual([
      'event.received', // first scheduled tick
      'tick.skipped',
      'event.received', // vigil tick
      'tick.skipped',
      'event.received', // after the owner's answer
    ]);
  });
});
