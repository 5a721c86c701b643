/**
 * Process-level (issue 16): a real daemon and its worker. A notify that reaches nobody is
 * `notify.unreached`, never `notify.sent`; the dashboard's test button says what really
 * happened; an approval sent to Slack, Discord, a JSON webhook, Telegram and e-mail
 * carries one-tap links that open a confirmation page and, posted, answer it.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { killDaemons, logEntries, makeHome, query, removeHomes, runCli, startDaemon, waitFor, type RunningDaemon } from '../helpers/home.js';
import { logText } from '../helpers/log-text.js';
import { fakeChat, fakeSmtp } from './fake-chat.js';

const daemons: RunningDaemon[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await killDaemons(daemons);
  for (const close of closers.splice(0)) await close();
  removeHomes();
});

async function start(home: string, extra: NodeJS.ProcessEnv = {}) {
  const daemon = await startDaemon(home, extra);
  daemons.push(daemon);
  const token = (JSON.parse(fs.readFileSync(path.join(home, 'secrets.json'), 'utf8')) as { dashboardToken: string }).dashboardToken;
  return { daemon, token };
}

async function testButton(url: string, token: string) {
  const res = await fetch(`${url}/api/push/test`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as { delivered: string[]; failed: { channel: string; error: string }[]; skipped: unknown[]; message: string };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** What `vigil status` on a team does not say yet (src/cli/commands/status.ts reads the team's nodes, roles and tables). */
const NOTIFY_ON_TICK = {
  rules: [{ on: 'tick', propose: { action: 'notify', params: { title: 'Tick {{payload.trigger}}', body: 'all quiet' } } }],
  permissions: { mode: 'auto', rules: [] },
};

describe('honest notifications', () => {
  it('a notify with no channel is notify.unreached (never notify.sent), its result says why; the test button says none is configured', async () => {
    const home = makeHome(NOTIFY_ON_TICK);
    const { daemon, token } = await start(home);
    expect(runCli(home, ['tick']).status).toBe(0);
    const succeeded = await waitFor(() => logEntries(home).find((e) => e.type === 'action.succeeded'), 15_000, 'action.succeeded');
    expect(succeeded.result).toEqual({ channels: [], unreached: ['push: no subscriptions'] });
    const unreached = await waitFor(() => logEntries(home).find((e) => e.type === 'notify.unreached'), 10_000, 'notify.unreached');
    expect(unreached).toMatchObject({ title: 'Tick manual', why: ['push: no subscriptions'] });
    expect(logEntries(home).some((e) => e.type === 'notify.sent')).toBe(false);

    const answer = await testButton(daemon.url, token);
    expect(answer).toMatchObject({ delivered: [], failed: [], message: expect.stringMatching(/^Not sent: no channel configured/) });
  });

  it('with no channel, status says vigil reaches nobody: none is configured', async () => {
    const home = makeHome(NOTIFY_ON_TICK);
    const { daemon, token } = await start(home);
    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => logEntries(home).find((e) => e.type === 'notify.unreached'), 15_000, 'notify.unreached');
    await testButton(daemon.url, token);
    const status = JSON.parse(runCli(home, ['status', '--json']).stdout) as { reach: { via: string[]; summary: string } };
    expect(status.reach).toMatchObject({ via: [], summary: 'nobody: no channel configured' });
  });

  it('a notify whose only channel fails is unreached; the test button names the failure — the URL nowhere in the log', async () => {
    const slack = await fakeChat({ status: 500 });
    closers.push(slack.close);
    const hookUrl = `${slack.url}/services/T000/B000/s3cr3tWebhookPath`;
    const home = makeHome({ ...NOTIFY_ON_TICK, notify: { webhooks: [{ url: hookUrl, format: 'slack' }] } });
    const { daemon, token } = await start(home);

    const answer = await testButton(daemon.url, token);
    expect(answer.delivered).toEqual([]);
    expect(answer.failed).toEqual([{ channel: 'slack', error: 'slack webhook: HTTP 500 (Unauthorized)' }]);
    expect(answer.message).toMatch(/Reached nobody\. Failed: slack \(slack webhook: HTTP 500/);

    expect(runCli(home, ['tick']).status).toBe(0);
    const failed = await waitFor(() => logEntries(home).find((e) => e.type === 'action.failed'), 15_000, 'action.failed');
    const unreached = await waitFor(() => logEntries(home).find((e) => e.type === 'notify.unreached' && e.title === 'Tick manual'), 10_000, 'notify.unreached');
    expect(unreached.why).toEqual(['slack: slack webhook: HTTP 500 (Unauthorized)', 'push: no subscriptions']);
    expect(logEntries(home).some((e) => e.type === 'notify.sent')).toBe(false);
    expect(String(failed.error)).toMatch(/slack webhook: HTTP 500/);

    expect(logText(home)).not.toContain('s3cr3tWebhookPath');
    expect(daemon.output()).not.toContain('s3cr3tWebhookPath');
  });

  it('with its only channel failing, status says the channel fails — the URL nowhere', async () => {
    const slack = await fakeChat({ status: 500 });
    closers.push(slack.close);
    const home = makeHome({ ...NOTIFY_ON_TICK, notify: { webhooks: [{ url: `${slack.url}/services/T000/B000/s3cr3tWebhookPath`, format: 'slack' }] } });
    const { daemon, token } = await start(home);
    await testButton(daemon.url, token);
    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => logEntries(home).find((e) => e.type === 'notify.unreached' && e.title === 'Tick manual'), 15_000, 'notify.unreached');

    const run = runCli(home, ['status', '--json']);
    const status = JSON.parse(run.stdout) as { reach: { via: string[]; summary: string } };
    expect(status.reach.via).toEqual([]);
    expect(status.reach.summary).toMatch(/^nobody: slack \(last send failed: slack webhook: HTTP 500/);
    expect(run.stdout).not.toContain('s3cr3tWebhookPath');
  });

  it('the test button lists the channels that delivered', async () => {
    const hook = await fakeChat();
    closers.push(hook.close);
    const home = makeHome({ notify: { webhooks: [{ url: `${hook.url}/in`, format: 'json' }] } });
    const { daemon, token } = await start(home);
    const answer = await testButton(daemon.url, token);
    expect(answer).toMatchObject({ delivered: ['webhook'], failed: [], message: expect.stringMatching(/^Delivered to webhook\./) });
    expect(hook.requests.map((r) => r.json.title)).toEqual(['vigil: test notification']);
  });
});

describe('an approval on every message channel', () => {
  it('carries one-tap links: GET shows a confirmation (and answers nothing), the posted form answers it', async () => {
    const [slack, discord, json, telegram] = await Promise.all([fakeChat(), fakeChat(), fakeChat(), fakeChat({ telegram: true })]);
    const smtp = await fakeSmtp('smtp-password-42');
    closers.push(slack.close, discord.close, json.close, telegram.close, smtp.close);
    const port = await freePort();
    const home = makeHome({
      rules: [{ on: 'tick', propose: { action: 'memory.note', params: { text: '<!channel> @everyone **x**' }, rationale: 'keep a note' } }],
      permissions: { mode: 'suggest', rules: [] },
      notify: {
        publicUrl: `http://127.0.0.1:${port}`,
        webhooks: [
          { url: `${slack.url}/services/a`, format: 'slack' },
          { url: `${discord.url}/api/webhooks/1/x`, format: 'discord' },
          { url: `${json.url}/in`, format: 'json' },
        ],
        telegram: { chatId: 42 },
        email: { to: 'owner@example.com', from: 'vigil@example.com', host: '127.0.0.1', port: smtp.port },
      },
    });
    const secretsFile = path.join(home, 'secrets.json');
    const secrets = JSON.parse(fs.readFileSync(secretsFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(secretsFile, JSON.stringify({ ...secrets, telegramBotToken: '4242:telegram-bot-token', smtpPassword: 'smtp-password-42' }), { mode: 0o600 });
    const { daemon } = await start(home, { VIGIL_PORT: String(port), VIGIL_TELEGRAM_API_URL: telegram.url });
    expect(daemon.url).toBe(`http://127.0.0.1:${port}`);

    expect(runCli(home, ['tick']).status).toBe(0);
    await waitFor(() => slack.requests.length && discord.requests.length && json.requests.length && telegram.requests.length && smtp.mails.length, 20_000, 'every channel');
    const sent = await waitFor(() => logEntries(home).find((e) => e.type === 'notify.sent'), 10_000, 'notify.sent');
    expect([...(sent.channels as string[])].sort()).toEqual(['discord', 'email', 'slack', 'telegram', 'webhook']);
    const { id, approveUrl, denyUrl } = (json.requests[0]!.json.approval ?? {}) as { id: string; approveUrl: string; denyUrl: string };
    expect(approveUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/push/approvals/${id}/approve\\?token=`));
    // The same links in each message, in each service's form.
    expect(String(slack.requests[0]!.json.text)).toContain(`<${approveUrl}|Approve>`);
    expect(String(slack.requests[0]!.json.text)).toContain('&lt;!channel&gt;');
    expect(String(discord.requests[0]!.json.content)).toContain(`Deny: <${denyUrl}>`);
    expect(discord.requests[0]!.json.allowed_mentions).toEqual({ parse: [] });
    expect(telegram.requests[0]!.path).toBe('/bot4242:telegram-bot-token/sendMessage');
    expect(String(telegram.requests[0]!.json.text)).toContain(`Approve: ${approveUrl}`);
    expect(smtp.mails[0]!.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')).toContain(approveUrl.slice(0, 60));

    // Opening the link (a person, or a chat's link preview) changes nothing.
    const page = await fetch(denyUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`action="/push/approvals/${id}/deny"`);
    expect(query<{ state: string }>(home, 'SELECT state FROM actions WHERE id = ?', id)).toEqual([{ state: 'awaiting_approval' }]);
    // A forged token gets no page.
    expect((await fetch(approveUrl.replace(/token=[^&]+/, 'token=v1.x.approve.1.n.m'))).status).toBe(403);

    // The confirmation page's form, as the browser posts it: approved, by "push".
    const token = new URL(approveUrl).searchParams.get('token')!;
    const posted = await fetch(approveUrl.split('?')[0]!, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(posted.status).toBe(200);
    expect(await posted.text()).toContain('<strong>approved</strong>');
    await waitFor(() => logEntries(home).find((e) => e.type === 'approval.granted' && e.actionId === id), 10_000, 'approval.granted');
    // Single use: the same link again is refused.
    expect((await fetch(approveUrl)).status).toBe(200);
    const again = await fetch(approveUrl.split('?')[0]!, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
    expect(again.status).toBe(403);
  });
});
