/**
 * The dream child: forked by the daemon, so a dream's CPU and memory peaks never
 * reach the process that answers webhooks, and a crash in it cannot take the daemon
 * down. Its log records go through the outbox; it asks the daemon to flush them.
 */
import { homePaths, resolveHome } from '../config/index.js';
import { isVigilError } from '../errors.js';
import { dreamInHome } from './run.js';
import { DREAM_BUSY_EXIT, type FromDream } from './protocol.js';

function send(message: FromDream): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    process.send(message, () => resolve());
  });
}

// Writes are atomic wherever this lands; exiting runs the lock's release.
process.on('SIGTERM', () => process.exit(143));

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const dreamId = args.includes('--id') ? args[args.indexOf('--id') + 1] : undefined;
  const trigger = args.includes('--manual') ? 'manual' : 'idle';
  try {
    const report = await dreamInHome({
      paths: homePaths(resolveHome()),
      trigger,
      ...(dreamId ? { dreamId } : {}),
      onStaged: () => void send({ type: 'flush' }),
    });
    await send({ type: 'finished', report });
    return 0;
  } catch (err) {
    if (isVigilError(err, 'VIGIL_ERR_DREAM_BUSY')) {
      await send({ type: 'busy', reason: err.message });
      return DREAM_BUSY_EXIT;
    }
    await send({ type: 'failed', reason: (err as Error).message ?? String(err) });
    return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`vigil dream: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
