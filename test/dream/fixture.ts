import path from 'node:path';
import { FakeClock } from '../../src/clock.js';
import { RulesConsolidator } from '../../src/dream/rules-consolidator.js';
import { runDream, type DreamOptions } from '../../src/dream/dream.js';
import { type Consolidator } from '../../src/dream/consolidator.js';
import type { MemoryFs } from '../../src/memory/index.js';
import { Store } from '../../src/store/index.js';
import { copyHomeWhole, fillHomeWith, memoryNow } from '../helpers/home-fill.js';
import { REPO, writeMonth } from './synthetic.js';

/** Day 1 of the synthetic month in the in-process tests: 2026-01-01, local time. */
export const START = new Date(2026, 0, 1);
/** Day 1 of a month that ends yesterday: for tests of real processes, which dream on the system clock. */
export function monthEndingYesterday(): Date {
  const start = new Date();
  start.setHours(0, 0, 0, 0);
  start.setDate(start.getDate() - 31);
  return start;
}

/** When the tests dream: the day after the month. */
export const DREAM_AT = new Date(2026, 0, 31, 3, 0).getTime();

export interface Home {
  dir: string;
  memory: string;
  logs: string;
  db: string;
}

export function homeIn(dir: string): Home {
  return { dir, memory: path.join(dir, 'memory'), logs: path.join(dir, 'logs'), db: path.join(dir, 'vigil.db') };
}

/**
 * Days `from`..`to` of the month into a home (store closed afterwards): its daily files
 * and memory folder, or — a team's home on PostgreSQL — the team's chains and
 * `memory_files` (test/helpers/home-fill.ts).
 */
export async function fillHome(home: Home, from: number, to: number, fillerPerDay = 12, start = START): Promise<number> {
  return fillHomeWith(home.dir, async ({ logs, memory, db }) => {
    const store = Store.open(db);
    try {
      return await writeMonth({ logsDir: logs, memoryDir: memory, store, start, fillerPerDay }, from, to);
    } finally {
      store.close();
    }
  });
}

/** A copy of the home (and of its team's database, on PostgreSQL). */
export function copyHome(from: Home, to: string): Home {
  copyHomeWhole(from.dir, to);
  return homeIn(to);
}

export interface DreamRun {
  home: Home;
  repo: string;
  consolidator?: Consolidator;
  fsx?: MemoryFs;
  at?: number;
  staleDays?: number;
  mode?: 'observe' | 'suggest' | 'auto';
}

export function dreamOptions(run: DreamRun, store: Store): DreamOptions {
  return {
    home: run.home.dir,
    memoryDir: run.home.memory,
    logsDir: run.home.logs,
    store,
    clock: new FakeClock(run.at ?? DREAM_AT),
    dream: { idleMinutes: 30, minHours: 24, staleDays: run.staleDays ?? 60 },
    permissions: { mode: run.mode ?? 'auto', rules: [], approvalTtlHours: 24, suggestAfter: 5 },
    repos: [{ name: REPO, path: run.repo }],
    consolidator: run.consolidator ?? new RulesConsolidator(),
    trigger: 'manual',
    ...(run.fsx ? { fsx: run.fsx } : {}),
  };
}

/** One dream on a home, its store opened and closed around it. */
export async function dreamOn(run: DreamRun) {
  const store = Store.open(run.home.db);
  try {
    return await runDream(dreamOptions(run, store));
  } finally {
    store.close();
  }
}

/** MEMORY.md and the topic files: what "the memory" is for old-or-new comparisons. */
export function memoryFiles(home: Home): Record<string, string> {
  const all = memoryNow(home.dir);
  return Object.fromEntries([...all].filter(([rel]) => rel === 'MEMORY.md' || /^topics\/[^/]+\.md$/.test(rel)).sort(([a], [b]) => a.localeCompare(b)));
}
