import type { FastifyReply, FastifyRequest } from 'fastify';
import { followLog } from '../logs/index.js';
import { timelineItem } from './dashboard.js';
import type { WebDeps } from './types.js';

const HEARTBEAT_MS = 25_000;
const POLL_MS = 300;

/**
 * Today's timeline as server-sent events: every new log entry, as it is appended,
 * across midnight (followLog). It reads the log files, which only the daemon writes,
 * so what the dashboard shows is exactly what the log holds.
 */
/** Take the reply over as a server-sent event stream: its headers and the client's retry interval written. */
export function openEventStream(reply: FastifyReply): FastifyReply['raw'] {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    // A reverse proxy must pass events on at once, not buffer them.
    'x-accel-buffering': 'no',
    'x-content-type-options': 'nosniff',
  });
  res.write('retry: 3000\n\n');
  return res;
}

/**
 * A stream kept open until the client leaves: a heartbeat comment now and then (a proxy
 * keeps an idle connection), and `signal` aborted when either side closes or `stop()`.
 */
export function openLiveStream(req: FastifyRequest, reply: FastifyReply): { res: FastifyReply['raw']; signal: AbortSignal; stop(): void } {
  const res = openEventStream(reply);
  const controller = new AbortController();
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    controller.abort();
  };
  req.raw.once('close', stop);
  res.once('close', stop);
  return { res, signal: controller.signal, stop };
}

export function streamTimeline(deps: Pick<WebDeps, 'logsDir' | 'clock'>, req: FastifyRequest, reply: FastifyReply): void {
  const { res, signal, stop } = openLiveStream(req, reply);
  followLog({
    dir: deps.logsDir,
    clock: deps.clock,
    fromEnd: true,
    pollMs: POLL_MS,
    signal,
    onEntry: (entry) => {
      res.write(`event: entry\ndata: ${JSON.stringify(timelineItem(entry))}\n\n`);
    },
  })
    .catch(() => undefined)
    .finally(() => {
      stop();
      res.end();
    });
}
