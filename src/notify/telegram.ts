import { messageLinks, plainText } from './links.js';
import { postJson } from './post-json.js';
import type { Channel, ChannelReport, Notification } from './types.js';

export const DEFAULT_TELEGRAM_API_URL = 'https://api.telegram.org';

export interface TelegramChannelOptions {
  /** secrets.json `telegramBotToken`; without it the channel says so on every send. */
  token?: string;
  chatId: string | number;
  /** The Bot API's base; `VIGIL_TELEGRAM_API_URL` points it at a fake in tests. */
  apiUrl?: string;
  publicUrl?: string;
}

/**
 * Telegram through the Bot API's `sendMessage`: plain text (no `parse_mode`, so nothing
 * in an issue title is read as markup or a mention), links as text, previews off so
 * Telegram's servers do not fetch them.
 */
export class TelegramChannel implements Channel {
  readonly name = 'telegram';

  constructor(private readonly options: TelegramChannelOptions) {}

  async send(n: Notification, signal: AbortSignal): Promise<ChannelReport> {
    if (!this.options.token) return { delivered: false, detail: 'no telegramBotToken in secrets.json' };
    const base = (this.options.apiUrl ?? DEFAULT_TELEGRAM_API_URL).replace(/\/+$/, '');
    const text = plainText(n, messageLinks(n, this.options.publicUrl));
    // sendMessage takes at most 4096 characters.
    const body = {
      chat_id: this.options.chatId,
      text: text.length > 4096 ? `${text.slice(0, 4095)}…` : text,
      link_preview_options: { is_disabled: true },
      disable_notification: n.urgency === 'low',
    };
    const answer = (await postJson(`${base}/bot${this.options.token}/sendMessage`, body, signal, 'telegram')) as { ok?: boolean } | undefined;
    if (answer?.ok !== true) throw new Error('telegram: the Bot API did not answer ok');
    return { delivered: true };
  }
}
