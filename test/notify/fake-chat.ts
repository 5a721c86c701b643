import http from 'node:http';
import { SMTPServer } from 'smtp-server';

export interface ChatRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  json: Record<string, unknown>;
}

/**
 * A fake chat service on 127.0.0.1 — a Slack or Discord incoming webhook, a JSON
 * receiver, or Telegram's Bot API: it keeps every request and answers like the real
 * one (`status` other than 2xx: a refusal with a reason, as Telegram and Discord give).
 */
export async function fakeChat(opts: { status?: number; telegram?: boolean } = {}) {
  const requests: ChatRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        json = { unparsable: body };
      }
      requests.push({ method: req.method!, path: req.url!, headers: req.headers, json });
      const status = opts.status ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      if (status >= 300) res.end(JSON.stringify({ ok: false, description: 'Unauthorized', message: 'Unknown Webhook' }));
      else res.end(opts.telegram ? JSON.stringify({ ok: true, result: { message_id: requests.length } }) : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface ReceivedMail {
  from: string;
  to: string[];
  user?: string;
  password?: string;
  raw: string;
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that keeps each message as received; it wants `password`. */
export async function fakeSmtp(password: string) {
  const mails: ReceivedMail[] = [];
  const server = new SMTPServer({
    secure: false,
    // Loopback without TLS: the test is about the message, not the certificate chain.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    onAuth(auth, _session, callback) {
      if (auth.password !== password) return callback(new Error('Invalid username or password'));
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
          raw,
        });
        callback();
      });
    },
    logger: false,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as { port: number };
  return { port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
