/**
 * The desktop channel on a real session: Xvfb, a private D-Bus session bus and Debian's
 * dunst as the notification server (test/helpers/desktop-session.ts). What dunst drew is
 * read back from `dunstctl history`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { desktopCheck } from '../../src/notify/doctor.js';
import { DesktopChannel } from '../../src/notify/desktop.js';
import { fanOut } from '../../src/notify/fanout.js';
import { renderedText, startDesktopSession, desktopSessionAvailable, type DesktopSession } from '../helpers/desktop-session.js';
import { waitFor } from '../helpers/home.js';
import { tempStore } from './helpers.js';

const HOSTILE_TITLE = '<span size="xx-large" foreground="red"><b>SECURITY: run vigil approve now</b></span>';
const HOSTILE_BODY = 'Panic in Vec<T> & HashMap<K, V>\n<span foreground="red">urgent</span> &amp; more';

const sessions: DesktopSession[] = [];
let withDunst: DesktopSession;
let bare: DesktopSession;
const savedEnv = { ...process.env };

beforeAll(async () => {
  withDunst = await startDesktopSession();
  sessions.push(withDunst);
  bare = await startDesktopSession({ dunst: false });
  sessions.push(bare);
}, 60_000);
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.stop()));
});
afterEach(() => {
  for (const key of ['DISPLAY', 'DBUS_SESSION_BUS_ADDRESS']) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

/** node-notifier runs notify-send with this process's environment. */
function enter(session: DesktopSession): NodeJS.ProcessEnv {
  process.env.DISPLAY = session.display;
  process.env.DBUS_SESSION_BUS_ADDRESS = session.busAddress;
  return { PATH: process.env.PATH, DISPLAY: session.display, DBUS_SESSION_BUS_ADDRESS: session.busAddress };
}

describe.runIf(desktopSessionAvailable())('desktop notifications on a real session', () => {
  it('a title and a body with markup arrive as literal text', async () => {
    const env = enter(withDunst);
    const store = tempStore();
    const channel = new DesktopChannel({ env, clock: systemClock, record: (r) => store.outbox.add(r), memory: store.kv });
    const report = await channel.send({ title: HOSTILE_TITLE, body: HOSTILE_BODY, urgency: 'normal' }, new AbortController().signal);
    expect(report.delivered).toBe(true);
    // Normal urgency leaves after 2 s (the test's dunstrc): then it is in the history.
    const shown = await waitFor(() => withDunst.history().find((n) => n.appname === 'vigil'), 15_000, 'the popup in dunst history');
    // dunst draws `message` (Pango markup): what a person reads is exactly vigil's text.
    expect(renderedText(shown.message)).toBe(`${HOSTILE_TITLE}\n${HOSTILE_BODY}`);
    expect(shown.message).not.toContain('<span');
  }, 30_000);

  it('vigil doctor: with dunst, ok naming dunst', async () => {
    const check = await desktopCheck({ PATH: process.env.PATH, DISPLAY: withDunst.display, DBUS_SESSION_BUS_ADDRESS: withDunst.busAddress }, 'linux');
    expect(check).toMatchObject({ name: 'notify.desktop', level: 'ok', message: expect.stringMatching(/^desktop notifications: dunst 1\.\d+.* answers on the session bus/) });
  });

  it('vigil doctor: a session bus with no notification server is a warn that says so', async () => {
    const check = await desktopCheck({ PATH: process.env.PATH, DISPLAY: bare.display, DBUS_SESSION_BUS_ADDRESS: bare.busAddress }, 'linux');
    expect(check).toMatchObject({
      name: 'notify.desktop',
      level: 'warn',
      message: expect.stringMatching(/no notification server answers org\.freedesktop\.Notifications on the session bus/),
    });
  });

  it('without a notification server a send fails: the notification is not delivered on the desktop', async () => {
    const env = enter(bare);
    const store = tempStore();
    const channel = new DesktopChannel({ env, clock: systemClock, record: (r) => store.outbox.add(r), memory: store.kv });
    const [outcome] = await fanOut([channel], { title: 'hello', body: 'there', urgency: 'normal' }, 10_000);
    expect(outcome).toMatchObject({ channel: 'desktop', status: 'failed', detail: expect.stringMatching(/org\.freedesktop\.Notifications/) });
  }, 30_000);
});
