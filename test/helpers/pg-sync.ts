/**
 * Synchronous SQL on PostgreSQL for the test helpers that must stay synchronous (they are
 * polled in `waitFor`, like the SQLite reads they stand in for): a worker thread runs the
 * query on a kept connection while this thread waits on a shared flag, a millisecond or
 * two. Spawning `psql` for every read blocked this thread for tens of milliseconds each,
 * long enough to starve the fakes (a model, GitHub) that answer from this process.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

const TIMEOUT_MS = 20_000;

let channel: { port: MessagePort; flag: Int32Array } | undefined;

function open(): { port: MessagePort; flag: Int32Array } {
  if (channel) return channel;
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(new URL('./pg-sync-worker.mjs', import.meta.url), { workerData: { port: port2, flag }, transferList: [port2] });
  // Neither keeps the test process alive.
  worker.unref();
  port1.unref();
  channel = { port: port1, flag };
  return channel;
}

/** The first column of every row of `sql` on `url`, as text (NULL as null). */
export function sqlSync(url: string, sql: string): (string | null)[] {
  const { port, flag } = open();
  Atomics.store(flag, 0, 0);
  port.postMessage({ url, sql });
  if (Atomics.wait(flag, 0, 0, TIMEOUT_MS) === 'timed-out') throw new Error(`no answer from PostgreSQL in ${TIMEOUT_MS} ms: ${sql}`);
  const answer = receiveMessageOnPort(port)?.message as { values?: (string | null)[]; error?: string } | undefined;
  if (!answer) throw new Error(`the query's answer was not there: ${sql}`);
  if (answer.error !== undefined) throw new Error(`PostgreSQL: ${answer.error}\n${sql}`);
  return answer.values!;
}
