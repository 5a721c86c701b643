import type { Config } from '../config/index.js';
import type { NotifyTestOutcome } from '../store/index.js';
import { webhookChannelNames } from './webhook.js';

type NotifySettings = Pick<Readonly<Config>, 'notify'>;

/**
 * The channels that could reach the owner now, by the names the notifier gives them:
 * web push once a browser subscribed, and each one the config sets up.
 */
export function configuredChannels(config: NotifySettings, subscriptions: number): string[] {
  const { notify } = config;
  return [
    ...(subscriptions > 0 ? ['push'] : []),
    ...(notify.desktop ? ['desktop'] : []),
    ...(notify.ntfy ? ['ntfy'] : []),
    ...webhookChannelNames(notify.webhooks),
    ...(notify.telegram ? ['telegram'] : []),
    ...(notify.email ? ['email'] : []),
  ];
}

export interface ReachReport {
  /** Configured channels whose last send did not fail (or that have not sent yet). */
  via: string[];
  /** Configured channels whose last send failed, with the (redacted) error. */
  failing: { channel: string; error: string; at: string }[];
  /** One line for people: "push, slack", "nobody: no channel configured", … */
  summary: string;
}

/** `vigil status`'s and the dashboard's "reaches the owner via: …" (issue 16), from each channel's last outcome (kv `notify.channels.last`, or a team's `notify_channels`). */
export function reachReport(config: NotifySettings, subscriptions: number, last: Readonly<Record<string, { at: number; ok: boolean; error?: string }>> = {}): ReachReport {
  const via: string[] = [];
  const failing: ReachReport['failing'] = [];
  for (const channel of configuredChannels(config, subscriptions)) {
    const outcome = last[channel];
    if (outcome && !outcome.ok) failing.push({ channel, error: outcome.error ?? 'failed', at: new Date(outcome.at).toISOString() });
    else via.push(channel);
  }
  const broken = failing.map((f) => `${f.channel} (last send failed: ${f.error})`).join(', ');
  const summary =
    via.length > 0
      ? `${via.join(', ')}${broken ? `; failing: ${broken}` : ''}`
      : broken
        ? `nobody: ${broken}`
        : 'nobody: no channel configured';
  return { via, failing, summary };
}

/** The dashboard's answer to "send a test notification": what really happened. */
export interface TestAnswer {
  delivered: string[];
  failed: { channel: string; error: string }[];
  skipped: { channel: string; why: string }[];
  held?: string;
  /** The worker had not answered in time: nothing is known yet. */
  pending?: boolean;
  message: string;
}

export const NO_CHANNEL_ANSWER: TestAnswer = {
  delivered: [],
  failed: [],
  skipped: [],
  message: 'Not sent: no channel configured. Subscribe this browser, or set notify.ntfy, notify.webhooks, notify.telegram or notify.email.',
};

export function testAnswer(outcome: NotifyTestOutcome): TestAnswer {
  const { delivered, failed, skipped, held } = outcome;
  const parts: string[] = [];
  if (held) parts.push(`Held back (${held}): it comes with the digest.`);
  else if (delivered.length > 0) parts.push(`Delivered to ${delivered.join(', ')}.`);
  else parts.push('Reached nobody.');
  if (failed.length > 0) parts.push(`Failed: ${failed.map((f) => `${f.channel} (${f.error})`).join('; ')}.`);
  if (skipped.length > 0) parts.push(`Not sent: ${skipped.map((s) => `${s.channel} (${s.why})`).join('; ')}.`);
  return { delivered, failed, skipped, ...(held ? { held } : {}), message: parts.join(' ') };
}
