import type { Channel, ChannelReport, Notification } from './types.js';

export interface NtfyChannelOptions {
  /** The topic URL, e.g. https://ntfy.sh/my-vigil-topic. */
  url: string;
  token?: string;
  /** The dashboard as the phone reaches it: tap target and the Approve / Deny buttons. */
  publicUrl?: string;
}

const PRIORITY = { low: '2', normal: '3', high: '5' } as const;

/**
 * ntfy (https://ntfy.sh or a self-hosted server): one plain `fetch` POST of the text to
 * the topic URL, the rest in headers. With a `publicUrl`, an approval carries ntfy
 * "http" action buttons that post its capability tokens straight to vigil.
 */
export class NtfyChannel implements Channel {
  readonly name = 'ntfy';

  constructor(private readonly options: NtfyChannelOptions) {}

  async send(n: Notification, signal: AbortSignal): Promise<ChannelReport> {
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8',
      Title: headerText(n.title),
      Priority: PRIORITY[n.urgency],
      Tags: n.approval ? 'vigil,question' : 'vigil',
    };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    const base = this.options.publicUrl?.replace(/\/+$/, '');
    if (base) headers.Click = `${base}${n.path ?? '/'}`;
    if (base && n.approval) headers.Actions = JSON.stringify(approvalActions(base, n.approval));
    const res = await fetch(this.options.url, { method: 'POST', headers, body: n.body || n.title, signal });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`${new URL(this.options.url).origin}: HTTP ${res.status}`);
    return { delivered: true };
  }
}

function approvalActions(base: string, approval: NonNullable<Notification['approval']>) {
  const button = (label: string, answer: 'approve' | 'deny', token: string) => ({
    action: 'http',
    label,
    url: `${base}/push/approvals/${encodeURIComponent(approval.id)}/${answer}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
    clear: true,
  });
  return [button('Approve', 'approve', approval.approveToken), button('Deny', 'deny', approval.denyToken)];
}

/** HTTP headers are Latin-1: other text goes as an RFC 2047 encoded word, which ntfy decodes. */
function headerText(text: string): string {
  const clean = text.replace(/[\r\n]+/g, ' ');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : `=?UTF-8?B?${Buffer.from(clean).toString('base64')}?=`;
}
