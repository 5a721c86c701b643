/**
 * Process-level: a real daemon on a real desktop session (Xvfb, a private session bus,
 * dunst) shows an approval with Approve and Deny at critical urgency; a click on
 * Approve answers it through the CLI's path (by "desktop"), the action runs once and
 * the popup is withdrawn; an approval that expires has its popup withdrawn too.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onPostgres } from '../helpers/backend.js';
import { BIN, cliEnv, killDaemons, logEntries, makeHome, query, removeHomes, runCli, runCliAsync, sleep, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { desktopSessionAvailable, renderedText, startDesktopSession, type DesktopSession } from '../helpers/desktop-session.js';

const daemons: RunningDaemon[] = [];
let session: DesktopSession;
beforeAll(async () => {
  session = await startDesktopSession();
}, 60_000);
afterAll(async () => {
  await session?.stop();
});
afterEach(async () => {
  await killDaemons(daemons);
  removeHomes();
});

/** The tick proposes a notify action whose text anyone who opens an issue could have written; suggest mode asks first. */
const TITLE = '<b>Deploy</b> & Vec<T>';
const ASK_ON_TICK = {
  rules: [
    {
      on: 'tick',
      propose: { action: 'notify', params: { title: TITLE, body: '<span size="xx-large">ran</span> once', urgency: 'normal' }, rationale: 'say <i>hi</i>' },
    },
  ],
  permissions: { mode: 'suggest', rules: [] },
  notify: { desktop: true },
};

async function daemonOnDesktop(config: Record<string, unknown>) {
  const home = makeHome(config);
  const daemon = await startDaemon(home, { DISPLAY: session.display, DBUS_SESSION_BUS_ADDRESS: session.busAddress });
  daemons.push(daemon);
  return { home, daemon };
}

/**
 * Which popup shows the approval: the single daemon keeps the ids in its store's kv; a
 * team node in a file in its home (the ids are this machine's screen's, not the team's).
 */
function popupOf(home: string, approvalId: string): number | undefined {
  if (onPostgres()) {
    const file = path.join(home, 'desktop-popups.json');
    return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, number>)[approvalId] : undefined;
  }
  const [row] = query<{ value: string }>(home, `SELECT value FROM kv WHERE key = 'notify.desktop.popups'`);
  return row ? (JSON.parse(row.value) as Record<string, number>)[approvalId] : undefined;
}

describe.runIf(desktopSessionAvailable())('approvals on the Linux desktop', () => {
  it('Approve and Deny, critical, stays while pending; Approve runs the action once and withdraws the popup', async () => {
    const { home } = await daemonOnDesktop(ASK_ON_TICK);
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 20_000, 'approval.requested');
    const approvalId = String(requested.actionId);
    const popup = await waitFor(() => popupOf(home, approvalId), 20_000, 'the approval popup');
    // The worker's notice names the desktop among the channels that delivered it, once.
    const sent = await waitFor(() => logEntries(home).find((e) => e.type === 'notify.sent'), 20_000, 'notify.sent');
    expect(sent.channels).toContain('desktop');

    // Normal urgency leaves after 2 s here; the approval is still on screen well after that.
    await sleep(4000);
    expect(session.displayed()).toBe(1);

    session.invoke(popup, 'approve');
    const granted = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.granted'), 20_000, 'approval.granted');
    expect(granted).toMatchObject({ actionId: approvalId, by: 'desktop' });
    // By then dunst's menu has offered exactly this popup's two buttons.
    expect(session.menuLines().filter((l) => l.includes(`[${popup},`)).map((l) => l.replace(/ \(.*\) /, ' '))).toEqual([
      `#Approve [${popup},approve]`,
      `#Deny [${popup},deny]`,
    ]);
    await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded' && e.actionId === approvalId), 20_000, 'action.succeeded');

    // Withdrawn: in dunst's history, never timed out by itself (critical), closed by vigil.
    const withdrawn = await waitFor(() => session.history().find((n) => n.id === popup), 20_000, 'the approval popup withdrawn');
    expect(withdrawn.timeoutUs).toBe(0);
    // The popup's text is literal, whoever wrote it.
    expect(renderedText(withdrawn.message)).toContain('say <i>hi</i>');

    // The approved notify action ran once: one popup with its title, its markup drawn as text.
    const ran = await waitFor(() => session.history().filter((n) => n.summary === TITLE && n.id !== popup)[0], 20_000, "the notify action's popup");
    expect(renderedText(ran.message)).toBe(`${TITLE}\n<span size="xx-large">ran</span> once`);
    await sleep(1000);
    expect(session.history().filter((n) => n.summary === TITLE)).toHaveLength(1);
    expect(logEntries(home).filter((e) => e.type === 'action.succeeded')).toHaveLength(1);
    expect(query<{ state: string }>(home, 'SELECT state FROM actions WHERE id = ?', approvalId)[0]?.state).toBe('succeeded');
  }, 120_000);

  it('vigil doctor: ok naming dunst; on a bus without a notification server, a warn that says so', async () => {
    const home = makeHome({ notify: { desktop: true } });
    const doctorLine = (s: DesktopSession) => {
      const machine = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-machine-'));
      const env = cliEnv(home, { HOME: machine, XDG_CONFIG_HOME: path.join(machine, '.config'), DISPLAY: s.display, DBUS_SESSION_BUS_ADDRESS: s.busAddress });
      const res = spawnSync(process.execPath, [BIN, 'doctor'], { env, encoding: 'utf8', timeout: 30_000 });
      fs.rmSync(machine, { recursive: true, force: true });
      return res.stdout.split('\n').find((l) => / notify\.desktop /.test(l)) ?? res.stdout;
    };
    expect(doctorLine(session)).toMatch(/^ok +notify\.desktop +desktop notifications: dunst 1\.\d.* answers on the session bus/);
    const bare = await startDesktopSession({ dunst: false });
    try {
      expect(doctorLine(bare)).toMatch(/^warn +notify\.desktop +desktop notifications: no notification server answers org\.freedesktop\.Notifications/);
    } finally {
      await bare.stop();
    }
  }, 60_000);

  it('a daemon that stops withdraws its popups: nobody would hear the click', async () => {
    const { home, daemon } = await daemonOnDesktop(ASK_ON_TICK);
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 20_000, 'approval.requested');
    const popup = await waitFor(() => popupOf(home, String(requested.actionId)), 20_000, 'the approval popup');
    daemon.proc.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    await waitFor(() => session.history().find((n) => n.id === popup), 20_000, 'the popup withdrawn at stop');
  }, 120_000);

  it('an approval answered elsewhere (vigil deny) has its popup withdrawn, and nothing runs', async () => {
    const { home } = await daemonOnDesktop(ASK_ON_TICK);
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 20_000, 'approval.requested');
    const approvalId = String(requested.actionId);
    const popup = await waitFor(() => popupOf(home, approvalId), 20_000, 'the approval popup');
    expect((await runCliAsync(home, ['deny', approvalId])).status).toBe(0);
    const denied = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.denied'), 20_000, 'approval.denied');
    expect(denied).toMatchObject({ actionId: approvalId, by: 'cli' });
    const withdrawn = await waitFor(() => session.history().find((n) => n.id === popup), 20_000, 'the denied popup withdrawn');
    expect(withdrawn.timeoutUs).toBe(0);
    await waitFor(() => (popupOf(home, approvalId) === undefined ? true : undefined), 20_000, 'the popup id forgotten');
    expect(session.displayed()).toBe(0);
    expect(logEntries(home).some((e) => e.type === 'action.succeeded')).toBe(false);
  }, 120_000);

  it('an approval that expires has its popup withdrawn', async () => {
    const { home } = await daemonOnDesktop({ ...ASK_ON_TICK, permissions: { mode: 'suggest', rules: [], approvalTtlHours: 0.002 } });
    expect(runCli(home, ['tick']).status).toBe(0);
    const requested = await waitFor(() => logEntries(home).find((e) => e.type === 'approval.requested'), 20_000, 'approval.requested');
    const approvalId = String(requested.actionId);
    const popup = await waitFor(() => popupOf(home, approvalId), 20_000, 'the approval popup');
    await waitFor(() => logEntries(home).find((e) => e.type === 'approval.expired' && e.actionId === approvalId), 30_000, 'approval.expired');
    const withdrawn = await waitFor(() => session.history().find((n) => n.id === popup), 20_000, 'the expired popup withdrawn');
    expect(withdrawn.timeoutUs).toBe(0);
    expect(logEntries(home).some((e) => e.type === 'action.succeeded')).toBe(false);
  }, 120_000);
});
