/**
 * Who is dreaming on a home, on either backend (test/helpers/backend.ts): the pid in the
 * home's dream.lock (src/dream/lock.ts), or on a team the process `dream_state` names as
 * dreaming now (src/store/pg/dream.ts), while its dream has not ended.
 */
import path from 'node:path';
import { readDreamLock } from '../../src/dream/lock.js';
import { homeStoreUrl } from './backend.js';
import { query } from './home.js';

export function dreamingPid(home: string): number | undefined {
  if (!homeStoreUrl(home)) return readDreamLock(path.join(home, 'dream.lock'))?.pid;
  const [row] = query<{ pid: number | null }>(home, 'SELECT dreaming_pid AS pid FROM dream_state WHERE id = 1 AND dreaming_id IS NOT NULL');
  return row?.pid ?? undefined;
}
