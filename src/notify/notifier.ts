import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { secretMask, type SecretMask } from '../secrets/index.js';
import type { Notifications } from '../store/index.js';
import { fanOut } from './fanout.js';
import type { NotifyGate } from './gate.js';
import type { Channel, ChannelOutcome, Notification } from './types.js';

export interface NotifierDeps {
  tables: Notifications;
  gate: NotifyGate;
  channels: readonly Channel[];
  clock: Clock;
  /** Stage a log record (the daemon moves it to the daily log). */
  record: (record: EventRecord) => void;
  timeoutMs: number;
  /** The secrets no channel may be sent; by default the process's (src/secrets/mask.ts). */
  mask?: SecretMask;
}

export interface Delivery {
  key: string;
  /** Why it was held back for the digest, when it was. */
  held?: string;
  /** Channels that delivered it (now or on an earlier attempt with the same key). */
  channels: string[];
  failed: { channel: string; error: string }[];
}

/**
 * Fans a notification out to the channels, behind quiet hours and the hourly cap, once
 * per key: a retried action does not notify a channel that already had it.
 */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  get channelNames(): string[] {
    return this.deps.channels.map((c) => c.name);
  }

  async deliver(raw: Notification, key: string): Promise<Delivery> {
    const { gate, clock, record } = this.deps;
    // Every channel, the digest (built from what is held) and the log see the redacted text.
    const notification = this.redacted(raw);
    const admission = gate.admit(notification, key, clock.now());
    if (admission.verdict === 'hold') {
      if (admission.fresh) {
        const { title, urgency } = notification;
        record(eventRecord('notify.held', { key, title, urgency, reason: admission.reason }, clock.now()));
      }
      return { key, held: admission.reason, channels: [], failed: [] };
    }
    // What quiet hours held goes out first, so the owner reads things in order.
    await this.sendDigestIfDue();
    const delivery = await this.send(notification, key);
    this.deps.tables.setState([key], 'sent');
    const { title, body, urgency } = notification;
    record(eventRecord('notify.sent', { title, body, urgency, channels: delivery.channels }, clock.now()));
    if (delivery.channels.length === 0 && delivery.failed.length > 0) {
      throw new VigilError('VIGIL_ERR_NOTIFY', delivery.failed.map((f) => `${f.channel}: ${f.error}`).join('; '));
    }
    return delivery;
  }

  private redacted(notification: Notification): Notification {
    const mask = this.deps.mask ?? secretMask();
    const title = mask.redact(notification.title);
    const body = mask.redact(notification.body);
    return title === notification.title && body === notification.body ? notification : { ...notification, title, body };
  }

  /** Sends the digest of held notifications when it may go out; returns how many it listed. */
  async sendDigestIfDue(): Promise<number> {
    const { gate, tables, clock, record } = this.deps;
    const now = clock.now();
    const digest = gate.digest(now);
    if (!digest) return 0;
    const key = `digest:${now}`;
    const { title, body, urgency } = digest.notification;
    tables.insertLog({ key, title, body, urgency, state: 'sending', createdAt: now });
    const delivery = await this.send(digest.notification, key);
    tables.setState([key], 'sent');
    // A channel that failed gets the held ones again next time; nobody to reach at all is no reason to wait.
    if (delivery.failed.length > 0 && delivery.channels.length === 0) return 0;
    tables.setState(digest.keys, 'digested');
    record(eventRecord('notify.digest', { count: digest.keys.length, channels: delivery.channels }, clock.now()));
    return digest.keys.length;
  }

  private async send(notification: Notification, key: string): Promise<Delivery> {
    const { tables, clock, record, channels, timeoutMs } = this.deps;
    const already = tables.deliveredChannels(key);
    const pending = channels.filter((c) => !already.has(c.name));
    const outcomes: ChannelOutcome[] = await fanOut(pending, notification, timeoutMs);
    const delivered = [...already];
    const failed: Delivery['failed'] = [];
    for (const outcome of outcomes) {
      if (outcome.status === 'sent') {
        tables.markDelivered(key, outcome.channel, clock.now());
        delivered.push(outcome.channel);
      } else if (outcome.status === 'failed' || outcome.status === 'timeout') {
        const error = outcome.detail ?? outcome.status;
        failed.push({ channel: outcome.channel, error });
        record(eventRecord('notify.failed', { channel: outcome.channel, title: notification.title, error }, clock.now()));
      }
    }
    return { key, channels: delivered, failed };
  }
}
