import path from 'node:path';
import { acquirePidLock, holdsLock } from '../child/index.js';
import { VigilError } from '../errors.js';

/**
 * One daemon per home: daemon.lock names the holder by pid and start (the child kit's
 * pid-file lock); a lock whose holder is gone (kill -9, power loss) — its pid dead, or
 * now another process's — is stale and taken over.
 */
export function acquireDaemonLock(home: string): () => void {
  return acquirePidLock({
    file: path.join(home, 'daemon.lock'),
    holder: { pid: process.pid },
    refusal: (current) =>
      current && current.holder.pid !== process.pid && holdsLock(current.holder, current.writtenAtMs)
        ? new VigilError(
            'VIGIL_ERR_ALREADY_RUNNING',
            `vigil is already running on ${home} (pid ${current.holder.pid}); stop it first or use another VIGIL_HOME`,
          )
        : undefined,
  });
}
