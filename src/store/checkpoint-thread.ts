/**
 * Runs WAL checkpoints on its own connection, off the daemon's event loop. A checkpoint
 * copies the WAL back into the database; done inside a commit on the main thread it
 * stalls every request in flight for tens of milliseconds (measured: 20–50 ms every
 * ~300 webhook deliveries). Re-measured for issue 24 on Node 24 with better-sqlite3 13
 * (Node-API) and the inbox's small rows (bodies live in the spool): a PASSIVE checkpoint
 * every 100 group commits of 8 still holds its thread 18 ms (median; p90 22, max 26 ms):
 * the copy and the fsync cost that, not the binding, so the thread stays.
 * PASSIVE never blocks writers or readers.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointMode } from './checkpointer.js';

const db = new Database((workerData as { file: string }).file);
db.pragma('busy_timeout = 5000');

parentPort!.on('message', (mode: CheckpointMode) => {
  try {
    db.pragma(`wal_checkpoint(${mode})`);
  } catch {
    // A busy database checkpoints next time; nothing is lost by skipping one.
  }
  parentPort!.postMessage('done');
});
