// An open-loop load generator: requests leave on a fixed schedule (rate per second),
// whether or not earlier ones were answered, and each latency is measured from the
// time the request was *due*, not from when a busy client got round to sending it —
// so a server that falls behind shows its queue in the figures (no coordinated
// omission). Keep-alive sockets, as many as the backlog needs.
import http from 'node:http';

/**
 * `request(i)` gives { path, headers, body, id } for the i-th request. Resolves with
 * { latenciesMs (sorted, answered 2xx), errors, statuses, acked ids, sent, lateSendMs }.
 */
export async function openLoop({ url, rate, seconds, request, timeoutMs = 10_000 }) {
  const { hostname, port } = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies = [];
  const acked = [];
  const statuses = {};
  let errors = 0;
  let sent = 0;
  let done = 0;
  let worstLateSend = 0;
  const start = performance.now() + 20;
  let finish;
  const finished = new Promise((r) => (finish = r));

  const fire = (i) => {
    const due = start + i * interval;
    worstLateSend = Math.max(worstLateSend, performance.now() - due);
    const { path, headers, body, id } = request(i);
    const req = http.request({ hostname, port, path, method: 'POST', agent, headers: { ...headers, 'content-length': body.length }, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => {
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        if (res.statusCode >= 200 && res.statusCode < 300) {
          latencies.push(performance.now() - due);
          acked.push(id);
        } else errors++;
        if (++done === total) finish();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => {
      errors++;
      if (++done === total) finish();
    });
    req.end(body);
  };

  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      // Every request now due leaves now; a late tick sends its backlog at once.
      while (sent < total && start + sent * interval <= now) fire(sent++);
      if (sent < total) setTimeout(tick, Math.max(0, Math.min(1, start + sent * interval - performance.now())));
      else resolve();
    };
    setTimeout(tick, 20);
  });
  await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs + 1000))]);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { latenciesMs: latencies, errors: errors + (total - done), statuses, acked, sent, lateSendMs: worstLateSend };
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
