import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';

/**
 * A webhook sender on a raw socket, for what fetch cannot do: declare a length and
 * send less (or nothing), stall mid-body, keep writing while the answer arrives, and
 * tell whether the server closed the connection.
 */
export interface WireOptions {
  headers: Record<string, string | number>;
  /** The body to send; `sendBytes` may stop short of it. */
  body?: Buffer;
  /** Send only this many body bytes, then wait (a slow or stalled sender). */
  sendBytes?: number;
  chunkBytes?: number;
  /** Give up waiting for an answer after this long. */
  timeoutMs?: number;
}

export interface WireAnswer {
  /** 0: no answer before the connection closed or the timeout. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connect to the answer's first line (or to the close, without one). */
  ms: number;
  /** Body bytes written before the answer came or the socket refused more. */
  bodyBytesWritten: number;
  /** The server closed the connection (rather than the timeout ending the wait). */
  closedByServer: boolean;
}

export function wirePost(url: string, options: WireOptions): Promise<WireAnswer> {
  const { hostname, port } = new URL(url);
  const body = options.body ?? Buffer.alloc(0);
  const sendBytes = Math.min(options.sendBytes ?? body.length, body.length);
  const chunk = options.chunkBytes ?? 256 * 1024;
  const started = performance.now();
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let answeredAt: number | undefined;
    let written = 0;
    let done = false;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parse(received), ms: (answeredAt ?? performance.now()) - started, bodyBytesWritten: written, closedByServer });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 10_000);
    socket.on('data', (data: Buffer) => {
      received = Buffer.concat([received, data]);
      answeredAt ??= performance.now();
      const text = received.toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const length = /\r\ncontent-length: (\d+)/i.exec(text);
      if (head >= 0 && length && received.length >= head + 4 + Number(length[1])) finish(false);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    const send = async (): Promise<void> => {
      const lines = [`POST /webhooks/github HTTP/1.1`, `Host: ${hostname}:${port}`];
      for (const [name, value] of Object.entries(options.headers)) lines.push(`${name}: ${value}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      while (written < sendBytes && answeredAt === undefined && !socket.destroyed) {
        const piece = body.subarray(written, Math.min(written + chunk, sendBytes));
        written += piece.length;
        if (!socket.write(piece)) await new Promise((r) => socket.once('drain', r).once('close', r));
      }
    };
    socket.on('connect', () => void send());
  });
}

function parse(bytes: Buffer): Pick<WireAnswer, 'status' | 'headers' | 'body'> {
  const text = bytes.toString('utf8');
  const head = text.indexOf('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of text.slice(0, head < 0 ? undefined : head).split('\r\n').slice(1)) {
    const at = line.indexOf(':');
    if (at > 0) headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  return { status, headers, body: head < 0 ? '' : text.slice(head + 4) };
}

/** GitHub's headers for a JSON delivery of `length` bytes; `signature` as given (or none). */
export function deliveryHeaders(length: number, signature?: string, extra: Record<string, string> = {}): Record<string, string | number> {
  return {
    'content-type': 'application/json',
    'content-length': length,
    'x-github-event': 'issues',
    'x-github-delivery': crypto.randomUUID(),
    ...(signature === undefined ? {} : { 'x-hub-signature-256': signature }),
    ...extra,
  };
}

export function signBytes(secret: string, bytes: Buffer): string {
  return 'sha256=' + crypto.createHmac('sha256', secret).update(bytes).digest('hex');
}

/** Resident memory of a process, in bytes: now, and the peak since it started. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}
