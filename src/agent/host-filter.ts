import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/**
 * `agent.allowHosts`, enforced (issue 12): the external agent gets no network of its
 * own — bubblewrap unshares it — and one way out: an HTTP CONNECT proxy that vigil runs
 * on a unix socket bound into the sandbox, which opens a tunnel only to a listed host.
 * Inside, a small relay (BRIDGE) listens on the sandbox's loopback and points
 * HTTPS_PROXY at it. A client that ignores the proxy variables reaches nothing; plain
 * HTTP (no CONNECT) is refused, so only TLS tunnels to listed hosts leave.
 */

export interface HostFilter {
  /** The unix socket, in its own folder (bound into the sandbox). */
  socket: string;
  close: () => Promise<void>;
}

/** `api.anthropic.com` matches itself; `*.example.com` matches names under it. Any port. */
export function hostAllowed(allow: readonly string[], host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return allow.some((entry) => {
    const e = entry.toLowerCase().trim();
    return e.startsWith('*.') ? name.endsWith(e.slice(1)) && name.length > e.length - 1 : name === e;
  });
}

const CONNECT = /^CONNECT ((?:\[[0-9a-f:.]+\])|[^\s:[\]]+):(\d{1,5}) HTTP\/1\.[01]$/i;
const MAX_HEAD = 8192;

export async function startHostFilter(dir: string, allow: readonly string[], onDenied: (target: string) => void): Promise<HostFilter> {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const socket = path.join(dir, 'proxy.sock');
  fs.rmSync(socket, { force: true });
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return void (head.length > MAX_HEAD && client.destroy());
      client.off('data', onData);
      const line = head.subarray(0, head.indexOf('\r\n')).toString('latin1');
      const target = CONNECT.exec(line);
      if (!target || !hostAllowed(allow, target[1]!)) {
        onDenied(target ? `${target[1]}:${target[2]}` : line.slice(0, 120));
        return void client.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
      }
      const upstream = net.connect(Number(target[2]), target[1]!.replace(/^\[|\]$/g, ''), () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length) upstream.write(rest);
        client.pipe(upstream).pipe(client);
      });
      open.add(upstream);
      upstream.on('close', () => open.delete(upstream));
      upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n'));
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    socket,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}

/**
 * The relay inside the sandbox, run as `node -e BRIDGE <socket> <agent argv…>` (a
 * string, not a file: it runs from whatever Node.js vigil runs on, with nothing else
 * to bind). It exits with the agent's status.
 */
export const BRIDGE = `
const net = require('node:net');
const { spawn } = require('node:child_process');
const [socket, ...argv] = process.argv.slice(1);
const server = net.createServer((c) => {
  const u = net.connect(socket);
  c.pipe(u).pipe(c);
  u.on('error', () => c.destroy());
  c.on('error', () => u.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const proxy = 'http://127.0.0.1:' + server.address().port;
  const env = { ...process.env, HTTPS_PROXY: proxy, https_proxy: proxy, HTTP_PROXY: proxy, http_proxy: proxy, ALL_PROXY: proxy, all_proxy: proxy, NODE_USE_ENV_PROXY: '1' };
  delete env.NO_PROXY;
  delete env.no_proxy;
  const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env });
  child.on('error', (e) => { console.error('agent.command could not start: ' + e.message); process.exit(127); });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
});
`;
