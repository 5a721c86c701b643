import type { Config } from '../config/index.js';
import { desktopSession } from './desktop.js';
import { probeNotificationServer, sessionBusAddress } from './desktop-bus.js';
import { errorText } from '../errors.js';
import type { PushSubscriptions } from '../store/index.js';

export interface NotifyCheck {
  name: string;
  level: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

const PROBE_TIMEOUT_MS = 3000;

/**
 * The notification channels, one line each, for `vigil doctor` (issue 7). The
 * subscriptions are read before the first await: the caller may close them after.
 */
export async function notifyChecks(
  config: Pick<Readonly<Config>, 'notify'>,
  subscriptions: Pick<PushSubscriptions, 'subscriptionCount'>,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<NotifyCheck[]> {
  const checks: NotifyCheck[] = [];
  const subscribed = subscriptions.subscriptionCount();
  checks.push(
    subscribed > 0
      ? { name: 'notify.push', level: 'ok', message: `web push: ${subscribed} subscribed browser(s)` }
      : { name: 'notify.push', level: 'warn', message: 'web push: no browser subscribed', fix: 'open the dashboard → Push → "Turn on notifications"' },
  );
  if (config.notify.desktop) checks.push(await desktopCheck(env, platform));
  if (config.notify.ntfy) checks.push({ name: 'notify.ntfy', level: 'ok', message: `ntfy: ${new URL(config.notify.ntfy.url).origin}` });
  if (!config.notify.desktop && !config.notify.ntfy && subscribed === 0) {
    checks.push({ name: 'notify.channels', level: 'warn', message: 'no channel reaches you: approvals wait until you look', fix: 'subscribe a browser, or set notify.ntfy / notify.desktop' });
  }
  return checks;
}

/**
 * Asks the session bus, as a send would: the environment variables alone say nothing
 * about whether a notification server listens there (every send fails when none does).
 */
export async function desktopCheck(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): Promise<NotifyCheck> {
  const name = 'notify.desktop';
  const session = desktopSession(env, platform);
  if (!session.available) {
    return { name, level: 'warn', message: `desktop notifications: ${session.reason}; the channel stays quiet`, fix: 'set notify.desktop to false, or run vigil inside a desktop session' };
  }
  if (platform === 'darwin' || platform === 'win32') return { name, level: 'ok', message: 'desktop notifications: available' };
  const fix = 'start a notification server in the session (dunst, mako, the desktop\'s own), or set notify.desktop to false';
  const address = sessionBusAddress(env);
  if (!address) return { name, level: 'warn', message: 'desktop notifications: no session bus (DBUS_SESSION_BUS_ADDRESS is unset); every send would fail', fix };
  try {
    const server = await probeNotificationServer(address, PROBE_TIMEOUT_MS);
    const who = [server.name, server.version].filter(Boolean).join(' ') || 'a server without a name';
    return { name, level: 'ok', message: `desktop notifications: ${who} answers on the session bus${server.vendor ? ` (${server.vendor})` : ''}` };
  } catch (err) {
    return { name, level: 'warn', message: `desktop notifications: no notification server answers org.freedesktop.Notifications on the session bus (${errorText(err)}); every send would fail`, fix };
  }
}
