import crypto from 'node:crypto';
import path from 'node:path';
import { isAlive } from '../child/index.js';
import { failpoint } from '../failpoints.js';
import type { MemoryFs } from './fs.js';

/** Temp files are hidden (a leading dot) and name their writer, so orphans can be told from work in flight. */
const TEMP_NAME = /^\..+\.(\d+)-[0-9a-f]+\.tmp$/;

/**
 * The write discipline of issue 5: the bytes go to a temp file beside the target, are
 * fsynced, and the temp file is renamed over the target (atomic on POSIX), then the
 * directory is fsynced. A crash at any point leaves the target wholly old or wholly new.
 */
export async function writeFileAtomic(fsx: MemoryFs, file: string, data: string | Buffer): Promise<void> {
  const dir = path.dirname(file);
  fsx.mkdirp(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = fsx.openNew(temp);
  try {
    for (let done = 0; done < bytes.length; ) done += fsx.write(fd, bytes, done);
    fsx.fsync(fd);
  } catch (err) {
    fsx.close(fd);
    fsx.unlink(temp);
    throw err;
  }
  fsx.close(fd);
  await failpoint('memory.before_rename');
  fsx.rename(temp, file);
  fsx.fsyncDir(dir);
}

/** Remove temp files whose writer died (kill -9 between write and rename); returns how many. */
export function removeOrphanTemps(fsx: MemoryFs, dir: string, depth = 3): number {
  let removed = 0;
  for (const entry of fsx.list(dir)) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && depth > 0) {
      removed += removeOrphanTemps(fsx, full, depth - 1);
      continue;
    }
    const match = TEMP_NAME.exec(entry.name);
    if (!entry.isFile() || !match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isAlive(pid)) continue;
    fsx.unlink(full);
    removed++;
  }
  return removed;
}
