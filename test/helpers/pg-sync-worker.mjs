// The other half of test/helpers/pg-sync.ts: a worker thread that runs the queries the
// test's thread asks for synchronously, on a few kept connections, and wakes it. Plain
// JavaScript: a worker thread is not loaded through vitest's TypeScript transform.
import { workerData } from 'node:worker_threads';
import pg from 'pg';

/** A connection per database, the few most recently used kept (each test home has its own database). */
const KEPT = 4;
const clients = new Map();
const { port, flag } = workerData;
/** Every value as the text PostgreSQL sent (no parsing into objects, dates or numbers). */
const asText = { getTypeParser: () => (value) => value };

async function client(url) {
  const kept = clients.get(url);
  if (kept) {
    clients.delete(url);
    clients.set(url, kept);
    return kept;
  }
  const fresh = new pg.Client({ connectionString: url });
  fresh.on('error', () => clients.delete(url));
  await fresh.connect();
  clients.set(url, fresh);
  while (clients.size > KEPT) {
    const [oldest, c] = clients.entries().next().value;
    clients.delete(oldest);
    c.end().catch(() => {});
  }
  return fresh;
}

port.on('message', async ({ url, sql }) => {
  let answer;
  try {
    const result = await (await client(url)).query({ text: sql, rowMode: 'array', types: asText });
    answer = { values: result.rows.map((row) => row[0] ?? null) };
  } catch (err) {
    clients.get(url)?.end().catch(() => {});
    clients.delete(url);
    answer = { error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(answer);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
