import { systemClock } from '../clock.js';
import type { ErrorCode } from '../errors.js';
import type { OperationDeps } from '../operations/index.js';
import { callDaemon, daemonUrl, requireHome, type CliContext } from './context.js';

/** The daemon's route for an operation, and the error codes that fail the command as they would offline. */
export interface DaemonRoute {
  method: 'GET' | 'POST';
  route: string;
  passThrough?: readonly ErrorCode[];
  /** A JSON body for the route. */
  body?: unknown;
}

/** Where an operation ran: commands tell the owner when it waits for the daemon's next start. */
export type Ran<D, L> = { inDaemon: true; result: D } | { inDaemon: false; result: L };

/**
 * The one place that decides "daemon or in-process": when a daemon runs on the home,
 * its route does the operation (it owns the log and wakes what must wake); otherwise
 * this process runs the same operation itself (src/operations).
 */
export async function daemonOrInProcess<D, L>(ctx: CliContext, daemon: DaemonRoute, inProcess: () => L | Promise<L>): Promise<Ran<D, L>> {
  requireHome(ctx);
  if (daemonUrl(ctx)) return { inDaemon: true, result: await callDaemon<D>(ctx, daemon.method, daemon.route, daemon.passThrough, daemon.body === undefined ? {} : { body: daemon.body }) };
  return { inDaemon: false, result: await inProcess() };
}

/**
 * Runs an operation on the home's store, closed afterwards. There is no log writer in
 * the CLI: the journal's records wait in the store's outbox until the daemon next
 * starts and flushes them.
 */
export async function withHomeStore<T>(ctx: CliContext, operation: (deps: OperationDeps) => T | Promise<T>): Promise<T> {
  // Loaded here, not with the module: a command that asks the daemon never opens the store.
  const [{ Store }, { OutboxJournal }] = await Promise.all([import('../store/index.js'), import('../journal/index.js')]);
  const store = Store.open(ctx.paths.db);
  try {
    return await operation({ store, clock: systemClock, journal: new OutboxJournal(store) });
  } finally {
    store.close();
  }
}
