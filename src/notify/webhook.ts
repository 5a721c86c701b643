import { messageLinks, approvalHint, type MessageLinks } from './links.js';
import { discordEscape, slackEscape } from './markup.js';
import { postJson } from './post-json.js';
import type { Channel, ChannelReport, Notification } from './types.js';

export type WebhookFormat = 'slack' | 'discord' | 'json';

export interface WebhookChannelOptions {
  name: string;
  url: string;
  format: WebhookFormat;
  /** The dashboard as the owner's devices reach it: the links in the message. */
  publicUrl?: string;
}

/** Channel names: the format, numbered when one format appears twice (`slack`, `slack-2`). */
export function webhookChannelNames(webhooks: readonly { format: WebhookFormat }[]): string[] {
  const seen = new Map<WebhookFormat, number>();
  return webhooks.map(({ format }) => {
    const n = (seen.get(format) ?? 0) + 1;
    seen.set(format, n);
    const base = format === 'json' ? 'webhook' : format;
    return n === 1 ? base : `${base}-${n}`;
  });
}

/**
 * An incoming webhook: one JSON POST in the service's shape. Slack and Discord get the
 * third-party text escaped for their markup and no pings; `json` gets vigil's own
 * fields for whatever the owner wires it to.
 */
export class WebhookChannel implements Channel {
  readonly name: string;

  constructor(private readonly options: WebhookChannelOptions) {
    this.name = options.name;
  }

  async send(n: Notification, signal: AbortSignal): Promise<ChannelReport> {
    const links = messageLinks(n, this.options.publicUrl);
    const body = PAYLOAD[this.options.format](n, links);
    await postJson(this.options.url, body, signal, `${this.name} webhook`);
    return { delivered: true };
  }
}

const PAYLOAD: Record<WebhookFormat, (n: Notification, links: MessageLinks) => unknown> = {
  slack: slackPayload,
  discord: discordPayload,
  json: jsonPayload,
};

/** Slack: mrkdwn text; links in Slack's `<url|label>` form, which only vigil writes. */
export function slackPayload(n: Notification, links: MessageLinks): unknown {
  const lines = [`*${slackEscape(n.title)}*`];
  if (n.body && n.body !== n.title) lines.push(slackEscape(n.body));
  const hint = approvalHint(n, links);
  if (links.approve) lines.push(`<${links.approve}|Approve>  ·  <${links.deny}|Deny>`);
  if (hint) lines.push(slackEscape(hint));
  if (links.open) lines.push(`<${links.open}|Open vigil>`);
  return { text: lines.join('\n'), unfurl_links: false, unfurl_media: false };
}

/** Discord: escaped markdown, no mentions at all, link previews off (`<url>`). */
export function discordPayload(n: Notification, links: MessageLinks): unknown {
  const lines = [`**${clip(discordEscape(n.title), 300)}**`];
  // Discord refuses content over 2000 characters: the body gives way, never the links.
  if (n.body && n.body !== n.title) lines.push(clip(discordEscape(n.body), 1000));
  const hint = approvalHint(n, links);
  if (links.approve) lines.push(`Approve: <${links.approve}>`, `Deny: <${links.deny}>`);
  if (hint) lines.push(discordEscape(hint));
  if (links.open) lines.push(`Open vigil: <${links.open}>`);
  return { username: 'vigil', content: lines.join('\n'), allowed_mentions: { parse: [] } };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** vigil's own shape: the text as it is, and the links as fields. */
export function jsonPayload(n: Notification, links: MessageLinks): unknown {
  return {
    source: 'vigil',
    title: n.title,
    body: n.body,
    urgency: n.urgency,
    ...(n.tag ? { tag: n.tag } : {}),
    ...(links.open ? { url: links.open } : {}),
    ...(n.approval
      ? {
          approval: {
            id: n.approval.id,
            expiresAt: new Date(n.approval.expiresAt).toISOString(),
            ...(links.approve ? { approveUrl: links.approve, denyUrl: links.deny } : {}),
          },
        }
      : {}),
  };
}
