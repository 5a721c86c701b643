/**
 * The dream child: forked by the daemon, so a dream's CPU and memory peaks never
 * reach the process that answers webhooks, and a crash in it cannot take the daemon
 * down. Its log records go through the outbox; it asks the daemon to flush them.
 */
import { ParentChannel } from '../child/index.js';
import { homePaths, resolveHome } from '../home/index.js';
import { errorText, isVigilError } from '../errors.js';
import { dreamInHome } from './run.js';
import { DREAM_BUSY_EXIT, type FromDream } from './protocol.js';

/** The dream child only speaks: the daemon stops it with SIGTERM, not a message. */
const daemon = new ParentChannel<FromDream, never>();

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
      onStaged: () => void daemon.send({ type: 'flush' }),
    });
    await daemon.send({ type: 'finished', report });
    return 0;
  } catch (err) {
    if (isVigilError(err, 'VIGIL_ERR_DREAM_BUSY')) {
      await daemon.send({ type: 'busy', reason: err.message });
      return DREAM_BUSY_EXIT;
    }
    await daemon.send({ type: 'failed', reason: errorText(err) });
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
