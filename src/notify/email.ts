import { messageLinks, plainText } from './links.js';
import type { Channel, ChannelReport, Notification } from './types.js';

export interface EmailChannelOptions {
  to: string;
  from: string;
  host: string;
  port: number;
  /** TLS from the first byte (465); otherwise STARTTLS when offered. */
  secure: boolean;
  /** The SMTP login; with a password only. */
  user?: string;
  password?: string;
  publicUrl?: string;
  timeoutMs: number;
  /** For a server behind a private CA (tests: a loopback server's own certificate). */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean };
}

type Mailer = typeof import('nodemailer');

/**
 * E-mail over SMTP through nodemailer, loaded on the first send (an idle daemon never
 * holds it). The message is plain text only: nothing a third party wrote can render
 * as HTML, and the links are there as text.
 */
export class EmailChannel implements Channel {
  readonly name = 'email';
  private lib: Promise<Mailer> | undefined;

  constructor(private readonly options: EmailChannelOptions) {}

  async send(n: Notification, signal: AbortSignal): Promise<ChannelReport> {
    const nodemailer = await (this.lib ??= import('nodemailer').then((m) => ((m as unknown as { default?: Mailer }).default ?? m) as Mailer));
    const o = this.options;
    const transport = nodemailer.createTransport({
      host: o.host,
      port: o.port,
      secure: o.secure,
      ...(o.password ? { auth: { user: o.user ?? o.from, pass: o.password } } : {}),
      connectionTimeout: o.timeoutMs,
      greetingTimeout: o.timeoutMs,
      socketTimeout: o.timeoutMs,
      ...(o.tls ? { tls: o.tls } : {}),
    });
    const abort = () => transport.close();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await transport.sendMail({
        from: `vigil <${o.from}>`,
        to: o.to,
        // A header cannot hold a line break; nodemailer encodes the rest.
        subject: n.title.replace(/[\r\n]+/g, ' '),
        text: plainText(n, messageLinks(n, o.publicUrl)),
        priority: n.urgency === 'high' ? 'high' : n.urgency === 'low' ? 'low' : 'normal',
      });
    } catch (err) {
      // nodemailer's errors carry the SMTP reply; the password never appears in them.
      throw new Error(`email: ${(err as Error).message}`, { cause: err });
    } finally {
      signal.removeEventListener('abort', abort);
      transport.close();
    }
    return { delivered: true };
  }
}
