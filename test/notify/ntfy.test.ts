import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { NtfyChannel } from '../../src/notify/ntfy.js';
import { type Notification } from '../../src/notify/types.js';

interface Published {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A fake ntfy server on 127.0.0.1: it keeps what was published and answers `status`. */
async function fakeNtfy(status = 200): Promise<{ url: string; published: Published[]; close: () => Promise<void> }> {
  const published: Published[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      published.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'x1', event: 'message' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    published,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

describe('ntfy', () => {
  it('POSTs the text to the topic URL with title, priority, tags and the token', async () => {
    const ntfy = await fakeNtfy();
    closers.push(ntfy.close);
    const channel = new NtfyChannel({ url: `${ntfy.url}/vigil-alerts`, token: 'tk_secret' });
    const report = await channel.send({ title: 'Build broke', body: 'main is red', urgency: 'high' }, new AbortController().signal);
    expect(report.delivered).toBe(true);
    expect(ntfy.published).toHaveLength(1);
    const [p] = ntfy.published;
    expect(p).toMatchObject({ method: 'POST', url: '/vigil-alerts', body: 'main is red' });
    expect(p!.headers).toMatchObject({ title: 'Build broke', priority: '5', tags: 'vigil', authorization: 'Bearer tk_secret' });
    expect(p!.headers.actions).toBeUndefined();
    // ntfy renders Markdown only when asked (Markdown / X-Markdown: yes, or content-type text/markdown); GitHub's text stays plain.
    expect(p!.headers.markdown ?? p!.headers['x-markdown']).toBeUndefined();
    expect(p!.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('an approval carries Approve and Deny buttons that post its capability tokens to vigil (with publicUrl)', async () => {
    const ntfy = await fakeNtfy();
    closers.push(ntfy.close);
    const channel = new NtfyChannel({ url: `${ntfy.url}/t`, publicUrl: 'https://vigil.example.ts.net/' });
    const n: Notification = {
      title: 'Approve github.comment? – “ok”',
      body: 'octo/app#12: thanks!',
      urgency: 'normal',
      path: '/#approval-k7m2q9xa',
      approval: { id: 'k7m2q9xa', expiresAt: Date.now() + 60_000, approveToken: 'tok-yes', denyToken: 'tok-no' },
    };
    await channel.send(n, new AbortController().signal);
    const headers = ntfy.published[0]!.headers;
    expect(headers.click).toBe('https://vigil.example.ts.net/#approval-k7m2q9xa');
    expect(headers.priority).toBe('3');
    // Non-ASCII titles travel as an RFC 2047 encoded word.
    expect(Buffer.from(/^=\?UTF-8\?B\?(.+)\?=$/.exec(String(headers.title))![1]!, 'base64').toString()).toBe(n.title);
    const actions = JSON.parse(String(headers.actions)) as { label: string; url: string; method: string; body: string }[];
    expect(actions.map((a) => [a.label, a.method, a.url, JSON.parse(a.body).token])).toEqual([
      ['Approve', 'POST', 'https://vigil.example.ts.net/push/approvals/k7m2q9xa/approve', 'tok-yes'],
      ['Deny', 'POST', 'https://vigil.example.ts.net/push/approvals/k7m2q9xa/deny', 'tok-no'],
    ]);
  });

  it('an error status from the server is a failure', async () => {
    const ntfy = await fakeNtfy(403);
    closers.push(ntfy.close);
    const channel = new NtfyChannel({ url: `${ntfy.url}/t` });
    await expect(channel.send({ title: 't', body: 'b', urgency: 'low' }, new AbortController().signal)).rejects.toThrow(/HTTP 403/);
  });
});
