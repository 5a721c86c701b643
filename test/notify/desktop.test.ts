import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { notifyChecks } from '../../src/notify/index.js';
import { DesktopChannel, desktopSession } from '../../src/notify/desktop.js';
import { parseConfig } from '../../src/config/load.js';
import { staged, tempStore } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** A stand-in `notify-send` (libnotify's CLI) that writes its arguments to a file. */
function fakeNotifySend(): { binDir: string; calls: () => string[][] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-notify-send-'));
  dirs.push(dir);
  const log = path.join(dir, 'calls.jsonl');
  const script = `#!${process.execPath}\nrequire('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify(process.argv.slice(2)) + '\\n');\n`;
  fs.writeFileSync(path.join(dir, 'notify-send'), script, { mode: 0o755 });
  const calls = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]) : []);
  return { binDir: dir, calls };
}

describe('desktop notifications', () => {
  it('knows when there is no desktop session, or no notify-send', () => {
    expect(desktopSession({ PATH: '/usr/bin' }, 'linux')).toEqual({
      available: false,
      reason: 'no desktop session (DISPLAY, WAYLAND_DISPLAY and DBUS_SESSION_BUS_ADDRESS are unset)',
    });
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-empty-'));
    dirs.push(empty);
    expect(desktopSession({ DISPLAY: ':0', PATH: empty }, 'linux')).toMatchObject({ available: false, reason: expect.stringMatching(/notify-send/) });
    expect(desktopSession({}, 'darwin')).toEqual({ available: true });
  });

  it('without a session the channel stays quiet and the log says so once; vigil doctor says so too', async () => {
    const store = tempStore();
    const channel = new DesktopChannel({ env: { PATH: '/usr/bin' }, clock: systemClock, record: (r) => store.outbox.add(r), memory: store.kv });
    const n = { title: 'hello', body: 'there', urgency: 'normal' as const };
    expect(await channel.send(n, new AbortController().signal)).toMatchObject({ delivered: false });
    expect(await channel.send(n, new AbortController().signal)).toMatchObject({ delivered: false });
    expect(staged(store, 'notify.channel_unavailable')).toEqual([
      expect.objectContaining({ channel: 'desktop', reason: expect.stringMatching(/no desktop session/) }),
    ]);
    const checks = await notifyChecks(parseConfig({ notify: { desktop: true } }, {}), store.pushSubscriptions, { PATH: '/usr/bin' });
    expect(checks.find((c) => c.name === 'notify.desktop')).toMatchObject({ level: 'warn', message: expect.stringMatching(/no desktop session/) });
  });

  it('with a session, node-notifier runs notify-send with the title, the text and the urgency', async () => {
    const store = tempStore();
    const { binDir, calls } = fakeNotifySend();
    const env = { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus', PATH: `${binDir}${path.delimiter}${process.env.PATH}` };
    // node-notifier finds notify-send through the process PATH.
    const savedPath = process.env.PATH;
    process.env.PATH = env.PATH;
    try {
      const channel = new DesktopChannel({ env, clock: systemClock, record: (r) => store.outbox.add(r), memory: store.kv });
      const report = await channel.send({ title: 'Build broke', body: 'main is red', urgency: 'high' }, new AbortController().signal);
      expect(report.delivered).toBe(true);
    } finally {
      process.env.PATH = savedPath;
    }
    const [args] = calls();
    expect(args).toEqual(expect.arrayContaining(['Build broke', 'main is red']));
    expect(args!.join(' ')).toMatch(/--urgency[ =]"?critical/);
    expect(staged(store, 'notify.channel_unavailable')).toEqual([]);
  });
});
