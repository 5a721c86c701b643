import { localDate, type Clock } from '../clock.js';
import { acquireDreamLock, dreamLockPath, newDreamId } from '../dream/index.js';
import { INDEX_FILE, TOPICS_DIR, readTopics, renderIndex, type MemoryFiles } from '../memory/index.js';
import type { Store } from '../store/index.js';

export interface RestoreDeps {
  store: Store;
  clock: Clock;
  home: string;
  files: MemoryFiles;
}

/**
 * `vigil memory history FILE --restore VERSION`: under the dream lock, so a dream cannot
 * write over the restore halfway (a running dream makes it fail VIGIL_ERR_DREAM_BUSY);
 * the index follows a restored topic.
 */
export async function restoreMemoryVersion(deps: RestoreDeps, rel: string, version: string): Promise<void> {
  const { store, clock, files } = deps;
  const release = acquireDreamLock(dreamLockPath(deps.home), { pid: process.pid, dreamId: `restore-${newDreamId()}`, startedAt: clock.now() }, (fn) =>
    store.transaction(fn),
  );
  try {
    await files.restore(rel, version);
    if (rel.startsWith(`${TOPICS_DIR}/`)) {
      const topics = [...readTopics(files, localDate(clock.now())).values()].map((t) => t.topic);
      await files.write(INDEX_FILE, renderIndex(topics));
    }
  } finally {
    release();
  }
}
