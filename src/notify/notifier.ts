import type { Clock } from '../clock.js';
import { VigilError } from '../errors.js';
import { eventRecord, type EventRecord } from '../events.js';
import { secretMask, type SecretMask } from '../secrets/index.js';
import type { KeyValue, Notifications } from '../store/index.js';
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
  /** Where each channel's last outcome is kept, for `vigil status` and the dashboard (store.kv). */
  health?: Pick<KeyValue, 'get' | 'set'>;
}

export interface Delivery {
  key: string;
  /** Why it was held back for the digest, when it was. */
  held?: string;
  /** Channels that delivered it (now or on an earlier attempt with the same key). */
  channels: string[];
  failed: { channel: string; error: string }[];
  /** Channels that had nobody to reach (no subscription, no desktop session), and why. */
  skipped?: { channel: string; why: string }[];
  /**
   * Sent to no channel at all (none configured, each skipped or failed): why, per
   * channel. Logged `notify.unreached`, never `notify.sent` (issue 16).
   */
  unreached?: string[];
}

/** What "no channel configured" looks like in a delivery's `unreached`. */
export const NO_CHANNEL = 'no channel configured'

/**
 * Fans a notification out to the channels, behind quiet hours and the hourly cap, once
 * per key: a retried action does not notify a channel that already had it.
 */
export class Notifier {
  constructor(private readonly deps: NotifierDeps) {}

  get channelNames(): string[] {
    return this.deps.channels.map((c) => c.name);
  }

  /** Sends, and throws VIGIL_ERR_NOTIFY when every channel that tried failed (a retry may do better). */
  async deliver(raw: Notification, key: string): Promise<Delivery> {
    const delivery = await this.attempt(raw, key);
    if (delivery.channels.length === 0 && delivery.failed.length > 0) {
      throw new VigilError('VIGIL_ERR_NOTIFY', delivery.failed.map((f) => `${f.channel}: ${f.error}`).join('; '));
    }
    return delivery;
  }

  /** Sends and says what happened, whatever happened (the dashboard's test). */
  async attempt(raw: Notification, key: string): Promise<Delivery> {
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
    if (delivery.unreached) {
      record(eventRecord('notify.unreached', { key, title, urgency, why: delivery.unreached }, clock.now()));
    } else {
      record(eventRecord('notify.sent', { title, body, urgency, channels: delivery.channels }, clock.now()));
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
    if (delivery.unreached) record(eventRecord('notify.unreached', { key, title, urgency, why: delivery.unreached }, clock.now()));
    else record(eventRecord('notify.digest', { count: digest.keys.length, channels: delivery.channels }, clock.now()));
    return digest.keys.length;
  }

  private async send(notification: Notification, key: string): Promise<Delivery> {
    const { tables, clock, record, channels, timeoutMs } = this.deps;
    const already = tables.deliveredChannels(key);
    const pending = channels.filter((c) => !already.has(c.name));
    const outcomes: ChannelOutcome[] = await fanOut(pending, notification, timeoutMs);
    const delivered = [...already];
    const failed: Delivery['failed'] = [];
    const skipped: NonNullable<Delivery['skipped']> = [];
    // A channel's error may quote what the service answered: it reaches the log, the action's result and the dashboard.
    const mask = this.deps.mask ?? secretMask();
    for (const outcome of outcomes) {
      if (outcome.status === 'sent') {
        tables.markDelivered(key, outcome.channel, clock.now());
        delivered.push(outcome.channel);
      } else if (outcome.status === 'failed' || outcome.status === 'timeout') {
        const error = mask.redact(outcome.detail ?? outcome.status);
        failed.push({ channel: outcome.channel, error });
        record(eventRecord('notify.failed', { channel: outcome.channel, title: notification.title, error }, clock.now()));
      } else {
        skipped.push({ channel: outcome.channel, why: mask.redact(outcome.detail ?? 'nobody to reach') });
      }
    }
    this.remember(outcomes, mask);
    const delivery: Delivery = { key, channels: delivered, failed, ...(skipped.length ? { skipped } : {}) };
    if (delivered.length === 0) {
      const why = [...failed.map((f) => `${f.channel}: ${f.error}`), ...skipped.map((s) => `${s.channel}: ${s.why}`)];
      delivery.unreached = why.length ? why : [NO_CHANNEL];
    }
    return delivery;
  }

  /** Each channel's last outcome, so `vigil status` can say which channels work (a skip says nothing either way). */
  private remember(outcomes: readonly ChannelOutcome[], mask: SecretMask): void {
    const { health, clock } = this.deps;
    const decided = outcomes.filter((o) => o.status !== 'skipped');
    if (!health || decided.length === 0) return;
    const last = { ...(health.get('notify.channels.last') ?? {}) };
    for (const o of decided) {
      last[o.channel] = o.status === 'sent' ? { at: clock.now(), ok: true } : { at: clock.now(), ok: false, error: mask.redact(o.detail ?? o.status) };
    }
    health.set('notify.channels.last', last);
  }
}
