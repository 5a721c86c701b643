import type https from 'node:https';
import type { Clock } from '../clock.js';
import { eventRecord, type EventRecord } from '../events.js';
import type { PushSubscriptionRow, PushSubscriptionTable } from '../store/index.js';
import { encodePushPayload, pushTopic } from './payload.js';
import type { Channel, ChannelReport, Notification } from './types.js';
import { errorText } from '../errors.js';

export interface WebPushChannelOptions {
  /** SQLite's table, or a team's in PostgreSQL (issue 19): every node's worker sends to every subscription. */
  subscriptions: PushSubscriptionTable;
  vapid: { publicKey: string; privateKey: string; subject: string };
  clock: Clock;
  record: (record: EventRecord) => void | Promise<void>;
  /** The channel's time budget: a 429 whose Retry-After fits in it is retried once. */
  timeoutMs: number;
  /** For a push service behind a private CA (web-push speaks only HTTPS). */
  agent?: https.Agent;
}

type WebPush = typeof import('web-push');
type Outcome = 'ok' | 'removed' | 'backoff';

/** RFC 8030 §5.2 caps what a push service must keep; a day is plenty for vigil's news. */
const TTL_SECONDS = { low: 3600, normal: 86_400, high: 86_400 } as const;

/**
 * Web Push (RFC 8030/8291/8292) through the `web-push` library, which is loaded on the
 * first send: an idle daemon never holds it. 404 or 410 means the browser dropped the
 * subscription, so it is deleted; 429 backs off by `Retry-After`.
 */
export class WebPushChannel implements Channel {
  readonly name = 'push';
  private lib: Promise<WebPush> | undefined;

  constructor(private readonly options: WebPushChannelOptions) {}

  async send(notification: Notification, signal: AbortSignal): Promise<ChannelReport> {
    const now = this.options.clock.now();
    const all = await this.options.subscriptions.subscriptions();
    const ready = all.filter((s) => s.backoffUntil === null || s.backoffUntil <= now);
    if (ready.length === 0) return { delivered: false, detail: all.length ? 'every subscription is backing off' : 'no subscriptions' };
    const webpush = await (this.lib ??= import('web-push').then((m) => ((m as { default?: WebPush }).default ?? m) as WebPush));
    const payload = encodePushPayload(notification);
    const results = await Promise.allSettled(ready.map((sub) => this.sendOne(webpush, sub, payload, notification, signal)));
    const ok = results.filter((r) => r.status === 'fulfilled' && r.value === 'ok').length;
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [errorText(r.reason)] : []));
    if (ok > 0) return { delivered: true, detail: `${ok} of ${ready.length} subscriptions${failures.length ? `; ${failures[0]}` : ''}` };
    if (failures.length > 0) throw new Error(failures.join('; '));
    return { delivered: false, detail: 'no subscription took it (removed or backing off)' };
  }

  private async sendOne(
    webpush: WebPush,
    sub: PushSubscriptionRow,
    payload: string,
    n: Notification,
    signal: AbortSignal,
  ): Promise<Outcome> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        await webpush.sendNotification({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, this.requestOptions(n));
      } catch (err) {
        const outcome = await this.refused(sub, err, attempt === 0 ? this.options.timeoutMs - (Date.now() - started) - 500 : -1, signal);
        if (outcome === 'retry') continue;
        return outcome;
      }
      try {
        await this.options.subscriptions.markSubscriptionOk(sub.endpoint, this.options.clock.now());
      } catch {
        // Delivered: a team's database away for a moment is no failure to deliver.
      }
      return 'ok';
    }
  }

  /**
   * What the push service's refusal means: the browser dropped the subscription (404,
   * 410: removed), or it is busy (429: retried once within `budgetMs`, else backed off);
   * anything else throws.
   */
  private async refused(sub: PushSubscriptionRow, err: unknown, budgetMs: number, signal: AbortSignal): Promise<Outcome | 'retry'> {
    const { subscriptions, clock, record } = this.options;
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 404 || status === 410) {
      await subscriptions.removeSubscription(sub.endpoint);
      await record(eventRecord('push.subscription_removed', { endpoint: origin(sub.endpoint), status }, clock.now()));
      return 'removed';
    }
    if (status !== 429) throw new Error(`${origin(sub.endpoint)}: ${status ? `HTTP ${status}` : errorText(err)}`, { cause: err });
    const waitMs = retryAfterMs((err as { headers?: Record<string, string> }).headers?.['retry-after'], clock.now());
    if (waitMs <= budgetMs && !signal.aborted) {
      await pause(waitMs, signal);
      if (!signal.aborted) return 'retry';
    }
    await subscriptions.backOff(sub.endpoint, clock.now() + waitMs);
    await record(eventRecord('push.backoff', { endpoint: origin(sub.endpoint), retryAfterSeconds: Math.round(waitMs / 1000) }, clock.now()));
    return 'backoff';
  }

  private requestOptions(n: Notification): Record<string, unknown> {
    const { vapid, agent, timeoutMs, clock } = this.options;
    const ttl = n.approval
      ? Math.max(60, Math.floor((n.approval.expiresAt - clock.now()) / 1000))
      : TTL_SECONDS[n.urgency];
    return {
      vapidDetails: vapid,
      TTL: ttl,
      urgency: n.urgency,
      ...(n.tag ? { topic: pushTopic(n.tag) } : {}),
      timeout: timeoutMs,
      ...(agent ? { agent } : {}),
    };
  }
}

/** `Retry-After` is seconds or an HTTP date (RFC 9110 §10.2.3); a missing one means a minute. */
export function retryAfterMs(header: string | undefined, now: number): number {
  if (!header) return 60_000;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? 60_000 : Math.max(0, at - now);
}

/** The push service's origin: the endpoint's path is itself a credential, so it is not logged. */
function origin(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return 'invalid endpoint';
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
