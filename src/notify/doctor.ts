import type { Config } from '../config/index.js';
import { desktopSession } from './desktop.js';
import type { PushSubscriptions } from '../store/index.js';

export interface NotifyCheck {
  name: string;
  level: 'ok' | 'warn' | 'fail';
  message: string;
  fix?: string;
}

/** The notification channels, one line each, for `vigil doctor` (issue 7). */
export function notifyChecks(config: Pick<Readonly<Config>, 'notify'>, subscriptions: Pick<PushSubscriptions, 'subscriptionCount'>, env: NodeJS.ProcessEnv = process.env): NotifyCheck[] {
  const checks: NotifyCheck[] = [];
  const subscribed = subscriptions.subscriptionCount();
  checks.push(
    subscribed > 0
      ? { name: 'notify.push', level: 'ok', message: `web push: ${subscribed} subscribed browser(s)` }
      : { name: 'notify.push', level: 'warn', message: 'web push: no browser subscribed', fix: 'open the dashboard → Push → "Turn on notifications"' },
  );
  if (config.notify.desktop) {
    const session = desktopSession(env);
    checks.push(
      session.available
        ? { name: 'notify.desktop', level: 'ok', message: 'desktop notifications: available' }
        : { name: 'notify.desktop', level: 'warn', message: `desktop notifications: ${session.reason}; the channel stays quiet`, fix: 'set notify.desktop to false, or run vigil inside a desktop session' },
    );
  }
  if (config.notify.ntfy) checks.push({ name: 'notify.ntfy', level: 'ok', message: `ntfy: ${new URL(config.notify.ntfy.url).origin}` });
  if (!config.notify.desktop && !config.notify.ntfy && subscribed === 0) {
    checks.push({ name: 'notify.channels', level: 'warn', message: 'no channel reaches you: approvals wait until you look', fix: 'subscribe a browser, or set notify.ntfy / notify.desktop' });
  }
  return checks;
}
