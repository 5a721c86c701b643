/**
 * Slack, Discord, JSON webhooks, Telegram and e-mail (issue 16), each against a fake on
 * 127.0.0.1 (e-mail: a real SMTP server): one message of the service's shape, third-party
 * text that cannot ping or render as markup, approval links, and errors without the secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { buildNotifier } from '../../src/notify/index.js';
import { EmailChannel } from '../../src/notify/email.js';
import { TelegramChannel } from '../../src/notify/telegram.js';
import { WebhookChannel } from '../../src/notify/webhook.js';
import type { Notification } from '../../src/notify/types.js';
import { generateSecrets } from '../../src/config/secrets.js';
import { fakeChat, fakeSmtp } from './fake-chat.js';
import { staged, tempStore } from './helpers.js';
import { systemClock } from '../../src/clock.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const signal = () => new AbortController().signal;
const HOSTILE = '<!channel> @everyone **x** <@123> [click](https://evil.example) & <https://evil.example|here>';
const PUBLIC = 'https://vigil.example.ts.net/';
const approval: Notification = {
  title: `Approve github.comment? ${HOSTILE}`,
  body: `octo/app#7: ${HOSTILE}`,
  urgency: 'normal',
  path: '/#approval-k7m2q9xa',
  approval: { id: 'k7m2q9xa', expiresAt: Date.parse('2030-01-01T00:00:00Z'), approveToken: 'v1.k7m2q9xa.approve.1.n.m+/=', denyToken: 'v1.k7m2q9xa.deny.1.n.m' },
};
const APPROVE_LINK = 'https://vigil.example.ts.net/push/approvals/k7m2q9xa/approve?token=v1.k7m2q9xa.approve.1.n.m%2B%2F%3D';
const DENY_LINK = 'https://vigil.example.ts.net/push/approvals/k7m2q9xa/deny?token=v1.k7m2q9xa.deny.1.n.m';

async function chat(opts: Parameters<typeof fakeChat>[0] = {}) {
  const fake = await fakeChat(opts);
  closers.push(fake.close);
  return fake;
}

describe('Slack incoming webhook', () => {
  it('posts one mrkdwn message: third-party <, >, & escaped, approval links in Slack form', async () => {
    const slack = await chat();
    const channel = new WebhookChannel({ name: 'slack', url: `${slack.url}/services/T0/B0/secretpart`, format: 'slack', publicUrl: PUBLIC });
    expect(await channel.send(approval, signal())).toEqual({ delivered: true });
    expect(slack.requests).toHaveLength(1);
    const [req] = slack.requests;
    expect(req).toMatchObject({ method: 'POST', path: '/services/T0/B0/secretpart' });
    expect(req!.headers['content-type']).toMatch(/^application\/json/);
    const text = String(req!.json.text);
    // No Slack control sequence from the issue survives: no <!channel>, no <@123>, no <url|label>.
    expect(text).not.toMatch(/<!|<@|<https:\/\/evil/);
    expect(text).toContain('&lt;!channel&gt; @everyone **x** &lt;@123&gt; [click](https://evil.example) &amp; &lt;https://evil.example|here&gt;');
    // vigil's own links are the only <…> left.
    expect(text.match(/<[^>]*>/g)).toEqual([`<${APPROVE_LINK}|Approve>`, `<${DENY_LINK}|Deny>`, '<https://vigil.example.ts.net/#approval-k7m2q9xa|Open vigil>']);
    expect(req!.json).toMatchObject({ unfurl_links: false });
  });
});

describe('Discord incoming webhook', () => {
  it('posts content with mentions off and markdown escaped; links unembedded', async () => {
    const discord = await chat();
    const channel = new WebhookChannel({ name: 'discord', url: `${discord.url}/api/webhooks/1/tok`, format: 'discord', publicUrl: PUBLIC });
    await channel.send(approval, signal());
    expect(discord.requests).toHaveLength(1);
    const { json } = discord.requests[0]!;
    expect(json.allowed_mentions).toEqual({ parse: [] });
    const content = String(json.content);
    // Every formatting character of the third-party text is backslashed; no bare @everyone, no <@123>, no [x](url).
    expect(content).toContain('\\<@\u200b123\\>');
    expect(content).toContain('@\u200beveryone \\*\\*x\\*\\*');
    expect(content).toContain('\\[click\\]\\(https\\://evil.example\\)');
    expect(content).not.toMatch(/(^|[^\\])\*\*x|@everyone|(^|[^\\])\[click\]/);
    expect(content).toContain(`Approve: <${APPROVE_LINK}>`);
    expect(content).toContain(`Deny: <${DENY_LINK}>`);
    expect(content.length).toBeLessThanOrEqual(2000);
  });

  it('a very long body gives way; the links stay within Discord\'s 2000 characters', async () => {
    const discord = await chat();
    const channel = new WebhookChannel({ name: 'discord', url: `${discord.url}/api/webhooks/1/tok`, format: 'discord', publicUrl: PUBLIC });
    await channel.send({ ...approval, body: '*'.repeat(5000) }, signal());
    const content = String(discord.requests[0]!.json.content);
    expect(content.length).toBeLessThanOrEqual(2000);
    expect(content).toContain(`Deny: <${DENY_LINK}>`);
  });
});

describe('generic JSON webhook', () => {
  it('posts vigil\'s own fields, text as written, links as fields', async () => {
    const hook = await chat();
    const channel = new WebhookChannel({ name: 'webhook', url: `${hook.url}/hook`, format: 'json', publicUrl: PUBLIC });
    await channel.send(approval, signal());
    expect(hook.requests.map((r) => r.json)).toEqual([
      {
        source: 'vigil',
        title: approval.title,
        body: approval.body,
        urgency: 'normal',
        url: 'https://vigil.example.ts.net/#approval-k7m2q9xa',
        approval: { id: 'k7m2q9xa', expiresAt: '2030-01-01T00:00:00.000Z', approveUrl: APPROVE_LINK, denyUrl: DENY_LINK },
      },
    ]);
  });
});

describe('Telegram', () => {
  it('sendMessage to the chat as plain text (no parse_mode), previews off, links as text', async () => {
    const api = await chat({ telegram: true });
    const channel = new TelegramChannel({ token: '123456:AAE-bot-token-xyz', chatId: -1001234, apiUrl: api.url, publicUrl: PUBLIC });
    expect(await channel.send(approval, signal())).toEqual({ delivered: true });
    expect(api.requests).toHaveLength(1);
    const [req] = api.requests;
    expect(req!.path).toBe('/bot123456:AAE-bot-token-xyz/sendMessage');
    expect(req!.json).toMatchObject({ chat_id: -1001234, link_preview_options: { is_disabled: true } });
    expect(req!.json).not.toHaveProperty('parse_mode');
    expect(String(req!.json.text)).toContain(HOSTILE);
    expect(String(req!.json.text)).toContain(`Approve: ${APPROVE_LINK}\nDeny: ${DENY_LINK}`);
  });

  it('without a public URL an approval says which command answers it', async () => {
    const api = await chat({ telegram: true });
    await new TelegramChannel({ token: '123456:AAE-bot-token-xyz', chatId: 5, apiUrl: api.url }).send(approval, signal());
    expect(String(api.requests[0]!.json.text)).toContain('vigil approve k7m2q9xa');
  });

  it('a refusal fails with the Bot API\'s reason and never the token', async () => {
    const api = await chat({ status: 401, telegram: true });
    const channel = new TelegramChannel({ token: '123456:AAE-bot-token-xyz', chatId: 5, apiUrl: api.url });
    const error = await channel.send(approval, signal()).then(() => undefined, (err: Error) => err);
    expect(error?.message).toBe('telegram: HTTP 401 (Unauthorized)');
  });
});

function decodeMail(raw: string): { headers: string; text: string } {
  const [headers = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/content-transfer-encoding: quoted-printable/i.test(headers)) {
    const bytes = body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
    return { headers, text: Buffer.from(bytes, 'latin1').toString('utf8') };
  }
  if (/content-transfer-encoding: base64/i.test(headers)) return { headers, text: Buffer.from(body, 'base64').toString('utf8') };
  return { headers, text: body };
}

describe('e-mail over SMTP', () => {
  it('a real SMTP server on loopback receives one plain-text mail with the links, after login', async () => {
    const smtp = await fakeSmtp('smtp-pass-123456');
    closers.push(smtp.close);
    const channel = new EmailChannel({
      to: 'owner@example.com',
      from: 'vigil@example.com',
      host: '127.0.0.1',
      port: smtp.port,
      secure: false,
      password: 'smtp-pass-123456',
      publicUrl: PUBLIC,
      timeoutMs: 10_000,
    });
    expect(await channel.send(approval, signal())).toEqual({ delivered: true });
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail).toMatchObject({ from: 'vigil@example.com', to: ['owner@example.com'], user: 'vigil@example.com' });
    const { headers, text } = decodeMail(mail.raw);
    expect(headers).toMatch(/^Content-Type: text\/plain/im);
    expect(headers).not.toMatch(/text\/html/i);
    expect(text).toContain(HOSTILE);
    expect(text).toContain(`Approve: ${APPROVE_LINK}`);
    expect(text).toContain(`Deny: ${DENY_LINK}`);
  });

  it('a wrong password fails the send, and the error does not carry it', async () => {
    const smtp = await fakeSmtp('the-right-password');
    closers.push(smtp.close);
    const channel = new EmailChannel({ to: 'o@example.com', from: 'v@example.com', host: '127.0.0.1', port: smtp.port, secure: false, password: 'wrong-password-xyz', timeoutMs: 10_000 });
    const error = await channel.send(approval, signal()).then(() => undefined, (err: Error) => err);
    expect(error?.message).toMatch(/^email: /);
    expect(error?.message).not.toContain('wrong-password-xyz');
    expect(smtp.mails).toHaveLength(0);
  });
});

describe('secrets in failures', () => {
  it('a failing webhook is logged by channel and status: its URL (the credential) is in no record, no error', async () => {
    const slack = await chat({ status: 404 });
    const store = tempStore();
    const url = `${slack.url}/services/T0/B0/xoxsecretpart42`;
    const config = parseConfig({ notify: { webhooks: [{ url, format: 'slack' }] } }, {});
    const notifier = buildNotifier({ config, secrets: { vapid: generateSecrets().vapid }, store, clock: systemClock });
    const error = await notifier.deliver({ title: 'hello', body: 'world', urgency: 'normal' }, 'k1').then(() => undefined, (err: Error) => err);
    expect(error?.message).toMatch(/slack: slack webhook: HTTP 404 \(Unauthorized\)$/);
    const records = JSON.stringify(staged(store));
    expect(records).toContain('slack webhook: HTTP 404');
    expect(records).not.toContain('xoxsecretpart42');
    expect(JSON.stringify(store.kv.get('notify.channels.last'))).not.toContain('xoxsecretpart42');
    // Connection refused: still no URL.
    await slack.close();
    const refused = await notifier.deliver({ title: 'again', body: '', urgency: 'normal' }, 'k2').then(() => undefined, (err: Error) => err);
    expect(refused?.message).toMatch(/slack: slack webhook: request failed \(ECONNREFUSED\)$/);
  });
});
