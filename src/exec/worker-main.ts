/**
 * The execution worker: a separate process, forked by the daemon when there is work,
 * that holds the credentials and runs approved actions. It loads the config itself —
 * the re-check must not trust the process that proposed — and exits after a few idle
 * minutes so an idle vigil is one process.
 */
import { homePaths, loadConfig, resolveHome } from '../config/index.js';
import { systemClock } from '../clock.js';
import { PolicyGate } from '../policy/index.js';
import { Store } from '../store/index.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { ActionRunner } from './runner.js';

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

async function main(): Promise<void> {
  const paths = homePaths(resolveHome());
  const config = loadConfig(paths.config);
  const store = Store.open(paths.db);
  const runner = new ActionRunner({
    store,
    gate: new PolicyGate(config.permissions),
    clock: systemClock,
    memoryDir: paths.memory,
    flush: () => send({ type: 'flush' }),
    print: (line) => process.stdout.write(line + '\n'),
  });

  let draining = false;
  // A message that arrives while an action runs must not be lost: remember it.
  let kicked: boolean | undefined;
  let wakeUp: (() => void) | undefined;
  const kick = () => {
    kicked = true;
    wakeUp?.();
  };
  process.on('message', (message: ToWorker) => {
    if (message.type === 'drain') draining = true;
    kick();
  });
  // The daemon went away: finish what runs, then go too.
  process.on('disconnect', () => {
    draining = true;
    kick();
  });
  const heartbeat = setInterval(() => send({ type: 'heartbeat' }), 5000);
  send({ type: 'ready' });

  const idleMs = config.exec.idleExitSeconds * 1000;
  while (!draining) {
    kicked = false;
    if (await runner.runNext()) continue;
    if (kicked) continue;
    const woken = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), idleMs);
      wakeUp = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
    wakeUp = undefined;
    if (!woken) break;
  }
  clearInterval(heartbeat);
  store.close();
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`vigil worker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
