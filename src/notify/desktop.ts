import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../clock.js';
import { eventRecord, type EventRecord } from '../events.js';
import { escapeMarkup } from './desktop-bus.js';
import type { Channel, ChannelReport, Notification } from './types.js';

export type DesktopSession = { available: true } | { available: false; reason: string };

/**
 * Whether a desktop notification can be shown here. macOS and Windows always have a
 * notification centre; Linux and the BSDs need a session bus to reach (a display or
 * `DBUS_SESSION_BUS_ADDRESS`) and `notify-send` (libnotify) on the PATH.
 */
export function desktopSession(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): DesktopSession {
  if (platform === 'darwin' || platform === 'win32') return { available: true };
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY && !env.DBUS_SESSION_BUS_ADDRESS) {
    return { available: false, reason: 'no desktop session (DISPLAY, WAYLAND_DISPLAY and DBUS_SESSION_BUS_ADDRESS are unset)' };
  }
  if (!onPath('notify-send', env.PATH)) {
    return { available: false, reason: 'notify-send is not installed (Debian/Ubuntu: apt install libnotify-bin)' };
  }
  return { available: true };
}

function onPath(program: string, searchPath = ''): boolean {
  return searchPath.split(path.delimiter).some((dir) => {
    if (!dir) return false;
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export interface DesktopChannelOptions {
  env?: NodeJS.ProcessEnv;
  clock: Clock;
  record: (record: EventRecord) => void;
  /** Where "already said it is unavailable" is remembered, so the log says it once (store.kv). */
  memory: DesktopMemory;
  /** The dashboard, where a click on a macOS approval leads (notify.publicUrl, else the local address). */
  dashboardUrl?: string;
  platform?: NodeJS.Platform;
}

const UNAVAILABLE_KEY = 'notify.desktop.unavailable';

/** The one key the channel remembers: the home's kv, or a team worker's memory of its run. */
export interface DesktopMemory {
  get(key: typeof UNAVAILABLE_KEY): string | null | undefined;
  set(key: typeof UNAVAILABLE_KEY, value: string | null): void;
}
const URGENCY = { low: 'low', normal: 'normal', high: 'critical' } as const;

type Notifier = { notify(options: Record<string, unknown>, callback: (err: Error | null) => void): unknown };

/** Desktop notifications through node-notifier, loaded on the first send. */
export class DesktopChannel implements Channel {
  readonly name = 'desktop';
  private lib: Promise<Notifier> | undefined;

  constructor(private readonly options: DesktopChannelOptions) {}

  /** Checks the session and, the first time it is missing (or for a new reason), says so in the log. */
  session(): DesktopSession {
    const session = desktopSession(this.options.env);
    const { memory, record, clock } = this.options;
    if (!session.available && memory.get(UNAVAILABLE_KEY) !== session.reason) {
      memory.set(UNAVAILABLE_KEY, session.reason);
      record(eventRecord('notify.channel_unavailable', { channel: this.name, reason: session.reason }, clock.now()));
    }
    if (session.available && memory.get(UNAVAILABLE_KEY) !== undefined) memory.set(UNAVAILABLE_KEY, null);
    return session;
  }

  /**
   * A plain notification, or an approval the daemon could not show with buttons
   * (src/notify/desktop-approvals.ts shows them on Linux; when it did, the fan-out does
   * not come here). A failed `notify-send` (no notification server on the bus) throws:
   * the notification counts as not delivered on this channel.
   */
  async send(n: Notification, signal: AbortSignal): Promise<ChannelReport> {
    const session = this.session();
    if (!session.available) return { delivered: false, detail: session.reason };
    const notifier = await (this.lib ??= import('node-notifier').then((m) => ((m as { default?: Notifier }).default ?? m) as Notifier));
    await new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      notifier.notify(this.notifierOptions(n), (err) => (err ? reject(err) : resolve()));
    });
    return { delivered: true };
  }

  private notifierOptions(n: Notification): Record<string, unknown> {
    const platform = this.options.platform ?? process.platform;
    const hint = n.approval ? `\n(vigil approve ${n.approval.id} — or the dashboard)` : '';
    const message = `${n.body || n.title}${hint}`;
    if (platform === 'darwin') {
      // Buttons would need a process waiting for the answer for as long as the approval
      // lasts (node-notifier's wait), which the worker is not; a click opens the
      // dashboard at the approval instead, where Approve and Deny are.
      const url = n.approval && this.options.dashboardUrl ? `${this.options.dashboardUrl.replace(/\/+$/, '')}${n.path ?? '/'}` : undefined;
      return { title: n.title, message, wait: false, ...(url ? { open: url } : {}) };
    }
    if (platform === 'win32') return { title: n.title, message, wait: false };
    // notify-send: the body is markup to most servers (Pango's subset of HTML); GitHub's
    // text must arrive as text. The summary is plain by the protocol: servers escape it.
    return { title: n.title, message: escapeMarkup(message), urgency: URGENCY[n.urgency], 'app-name': 'vigil', wait: false };
  }
}
