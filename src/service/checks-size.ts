import fs from 'node:fs';
import path from 'node:path';
import { ok, type Check, type CheckResult, type DoctorInput, type DoctorState } from './doctor.js';
import { isReader, reachable } from './checks-team.js';

/**
 * How much disk the home takes, by part (issue 18): the database (with its WAL), the
 * spool of webhook bodies, the daily logs (never pruned) and the memory. The spool and
 * the inbox are pruned after `store.retainDays`; a home that keeps growing past that
 * is growing in its logs.
 */
export const checkSize: Check = (input, state) => {
  // A team's home keeps its state in the team's database (checks-team.ts).
  if (state.config?.store.url) return checkTeamSize(input, state);
  const { paths } = input;
  const db = ['', '-wal', '-shm'].reduce((sum, suffix) => sum + fileBytes(paths.db + suffix), 0);
  const parts: [string, number][] = [
    ['vigil.db', db],
    ['spool', treeBytes(path.join(path.dirname(paths.db), 'spool'))],
    ['logs', treeBytes(paths.logs)],
    ['memory', treeBytes(paths.memory)],
  ];
  const total = treeBytes(paths.home);
  const retain = state.config ? `; handled events kept ${state.config.store.retainDays} days, logs always` : '';
  return ok('size', `${formatBytes(total)} in all — ${parts.map(([name, bytes]) => `${name} ${formatBytes(bytes)}`).join(', ')}${retain}`);
};

/** The team's database by part, and this home's own files (its config, secrets and caches). */
export async function checkTeamSize({ paths }: DoctorInput, state: DoctorState): Promise<CheckResult> {
  const reader = reachable('size', state);
  if (!isReader(reader)) return reader;
  const sizes = await reader.sizes();
  const retain = state.config ? `; handled events kept ${state.config.store.retainDays} days, logs always` : '';
  const parts = `inbox ${formatBytes(sizes.inbox)}, log ${formatBytes(sizes.log)}, memory ${formatBytes(sizes.memory)}`;
  return ok('size', `the team's database ${formatBytes(sizes.database)} (${parts}), this home ${formatBytes(treeBytes(paths.home))}${retain}`);
}

function fileBytes(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Regular files under `dir`, symlinks not followed. */
function treeBytes(dir: string): number {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return 0;
  }
  return entries.reduce((sum, e) => (e.isFile() ? sum + fileBytes(path.join(e.parentPath, e.name)) : sum), 0);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
