#!/usr/bin/env node
// An agent CLI that tries the network (issue 12, agent.allowHosts): a CONNECT through
// the proxy it was given to an allowed and to an unlisted host, and a direct connection
// that ignores the proxy. The port of the test's server comes in the instructions
// ("port=N"); the outcomes go to report.json in the worktree (pushed with the branch).
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

let instructions = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (instructions += chunk));
process.stdin.on('end', async () => {
  const port = Number(instructions.match(/port=(\d+)/)?.[1]);
  const proxy = process.env.HTTPS_PROXY ? new URL(process.env.HTTPS_PROXY) : undefined;
  const tunnel = (host) =>
    new Promise((resolve) => {
      if (!proxy) return resolve('no proxy given');
      const req = http.request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: `${host}:${port}` });
      req.on('connect', (res, socket, head) => {
        if (res.statusCode !== 200) return resolve(`refused ${res.statusCode}`), socket.destroy();
        // The host's first bytes can arrive in the same packet as the proxy's 200 (on a
        // busy machine they often do): Node hands those over as `head`, not as 'data'.
        if (head.length > 0) return resolve(`reached: ${String(head).trim()}`), socket.destroy();
        socket.once('data', (d) => resolve(`reached: ${String(d).trim()}`) || socket.destroy());
        socket.once('close', () => resolve('tunnel closed without a byte'));
      });
      req.on('response', (res) => resolve(`refused ${res.statusCode}`));
      req.on('error', (e) => resolve(`failed: ${e.code}`));
      req.end();
    });
  const direct = () =>
    new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('data', (d) => resolve(`reached: ${String(d).trim()}`) || s.destroy());
      s.on('error', (e) => resolve(`failed: ${e.code}`));
      setTimeout(() => resolve('failed: timeout') || s.destroy(), 3000);
    });
  const report = { allowed: await tunnel('127.0.0.1'), unlisted: await tunnel('localhost'), direct: await direct() };
  fs.writeFileSync('report.json', JSON.stringify(report, null, 2));
  console.log('wrote report.json');
});
