import type https from 'node:https';
import type { Config, Secrets } from '../config/index.js';
import type { Clock } from '../clock.js';
import { maskSecrets } from '../secrets/index.js';
import type { Notifications, Store } from '../store/index.js';
import { DesktopChannel } from './desktop.js';
import { NotifyGate, type GatePolicy } from './gate.js';
import { EmailChannel, type EmailChannelOptions } from './email.js';
import { Notifier } from './notifier.js';
import { NtfyChannel } from './ntfy.js';
import { TelegramChannel } from './telegram.js';
import type { Channel } from './types.js';
import { WebhookChannel, webhookChannelNames } from './webhook.js';
import { WebPushChannel } from './webpush.js';

export interface NotifierSetup {
  config: Pick<Readonly<Config>, 'notify' | 'tick' | 'http'>;
  secrets: Pick<Secrets, 'vapid' | 'ntfyToken' | 'telegramBotToken' | 'smtpPassword'>;
  store: Store;
  clock: Clock;
  env?: NodeJS.ProcessEnv;
  /** For a push service behind a private CA. */
  pushAgent?: https.Agent;
  /** For an SMTP server behind a private CA. */
  emailTls?: EmailChannelOptions['tls'];
}

/** The gate of a config: quiet hours read in `notify.timezone`, else the tick's zone. */
export function gateFor(tables: Notifications, config: Pick<Readonly<Config>, 'notify' | 'tick'>): NotifyGate {
  return new NotifyGate(tables, gatePolicyOf(config));
}

/** Quiet hours, their zone and the hourly cap of a config. */
export function gatePolicyOf(config: Pick<Readonly<Config>, 'notify' | 'tick'>): GatePolicy {
  const { notify, tick } = config;
  const timeZone = notify.timezone ?? tick.timezone;
  return {
    ...(notify.quietHours ? { quietHours: notify.quietHours } : {}),
    ...(timeZone ? { timeZone } : {}),
    maxPerHour: notify.maxPerHour,
  };
}

/** Web push always (it reaches whoever subscribed, possibly nobody); the others when configured. */
export function buildNotifier(setup: NotifierSetup): Notifier {
  const { config, secrets, store, clock } = setup;
  const tables = store.notifications;
  const record = (r: Parameters<Store['outbox']['add']>[0]) => store.outbox.add(r);
  const timeoutMs = config.notify.timeoutSeconds * 1000;
  const channels: Channel[] = [
    new WebPushChannel({
      subscriptions: store.pushSubscriptions,
      vapid: { ...secrets.vapid, subject: config.notify.pushContact },
      clock,
      record,
      timeoutMs,
      ...(setup.pushAgent ? { agent: setup.pushAgent } : {}),
    }),
  ];
  if (config.notify.desktop) {
    const dashboardUrl = config.notify.publicUrl ?? `http://127.0.0.1:${config.http.port}`;
    channels.push(new DesktopChannel({ clock, record, memory: store.kv, dashboardUrl, ...(setup.env ? { env: setup.env } : {}) }));
  }
  channels.push(...remoteChannels(setup));
  return new Notifier({ tables, gate: gateFor(tables, config), channels, clock, record, timeoutMs, health: store.kv });
}

/** What the channels that need nothing of a home are built from. */
export interface RemoteChannelSetup {
  config: Pick<Readonly<Config>, 'notify'>;
  secrets: Pick<Secrets, 'ntfyToken' | 'telegramBotToken' | 'smtpPassword'>;
  env?: NodeJS.ProcessEnv;
  emailTls?: EmailChannelOptions['tls'];
}

/**
 * ntfy, webhooks, Telegram and e-mail: plain requests to a service, nothing kept in the
 * home. A team node (issue 19) has these only: web push reaches the browsers that
 * subscribed on a home's dashboard, the desktop a laptop's session.
 */
export function remoteChannels(setup: RemoteChannelSetup): Channel[] {
  const { config, secrets } = setup;
  const channels: Channel[] = [];
  const ntfy = config.notify.ntfy;
  if (ntfy) {
    const token = secrets.ntfyToken ?? ntfy.token;
    // A token written in config.json rather than secrets.json is no less a secret.
    if (token) maskSecrets([token]);
    const publicUrl = config.notify.publicUrl;
    channels.push(new NtfyChannel({ url: ntfy.url, ...(token ? { token } : {}), ...(publicUrl ? { publicUrl } : {}) }));
  }
  channels.push(...messageChannels(setup, config.notify.timeoutSeconds * 1000));
  return channels;
}

/** Webhooks, Telegram and e-mail (issue 16): plain requests, each library loaded on its first send. */
function messageChannels(setup: RemoteChannelSetup, timeoutMs: number): Channel[] {
  const { notify } = setup.config;
  const env = setup.env ?? process.env;
  const publicUrl = notify.publicUrl ? { publicUrl: notify.publicUrl } : {};
  const channels: Channel[] = [];
  // The URL of an incoming webhook is its credential: masked here too, for a config not read by loadConfig.
  maskSecrets(notify.webhooks.map((w) => w.url));
  const names = webhookChannelNames(notify.webhooks);
  notify.webhooks.forEach((w, i) => channels.push(new WebhookChannel({ name: names[i]!, url: w.url, format: w.format, ...publicUrl })));
  if (notify.telegram) {
    const apiUrl = env.VIGIL_TELEGRAM_API_URL?.trim();
    const token = setup.secrets.telegramBotToken;
    channels.push(new TelegramChannel({ ...(token ? { token } : {}), chatId: notify.telegram.chatId, ...(apiUrl ? { apiUrl } : {}), ...publicUrl }));
  }
  const email = notify.email;
  if (email) {
    const password = setup.secrets.smtpPassword;
    channels.push(
      new EmailChannel({
        ...email,
        ...(password ? { password } : {}),
        ...publicUrl,
        timeoutMs,
        ...(setup.emailTls ? { tls: setup.emailTls } : {}),
      }),
    );
  }
  return channels;
}
