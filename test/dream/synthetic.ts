/**
 * A synthetic month of vigil's life (issue 5's acceptance generator): daily logs as
 * the daemon writes them (real DailyLog, hash-chained) and memory/notes.md as the
 * real `memory.note` handler writes it, with
 *  - duplicates (the same note, again and in other spellings),
 *  - contradictions (a changed default branch, a changed CI command),
 *  - relative dates ("yesterday", "next Monday", "this Friday"),
 *  - facts about files and a symbol of a watched clone that were later deleted,
 * and a quiet background of ticks and events. `repo` builds that clone (real git).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { FakeClock, localDate } from '../../src/clock.js';
import { parseConfig } from '../../src/config/load.js';
import { HANDLERS, type HandlerContext } from '../../src/exec/handlers/index.js';
import { DailyLog } from '../../src/logs/index.js';
import { circuitFor } from '../../src/model/index.js';
import type { Store } from '../../src/store/index.js';

export const REPO = 'octo/app';

/** Day (1-based) → notes written that day: [topic or undefined, text]. */
export const NOTES: Record<number, [string | undefined, string][]> = {
  2: [[REPO, 'The deploy target of octo/app is `fly.io`.'], [undefined, 'The owner prefers squash merges.']],
  3: [[REPO, 'The default branch of octo/app is `main`.']],
  4: [[REPO, 'The CI command of octo/app is `npm test`.']],
  5: [
    [REPO, 'The deploy target of octo/app is `fly.io`.'],
    [REPO, 'The legacy config loader lives in `src/legacy-config.ts`.'],
    [REPO, '`scripts/old-deploy.sh` deploys octo/app to staging.'],
    [REPO, '`loadLegacyConfig()` reads the old YAML settings.'],
    [REPO, 'The HTTP server of octo/app is in `src/server.ts`.'],
  ],
  // 2026-01-06 is a Tuesday in the fixed-date tests: "next Monday" is 2026-01-12.
  6: [[REPO, 'Release freeze for octo/app starts next Monday.']],
  7: [[REPO, 'The flaky parser test was fixed yesterday.']],
  // 2026-01-08 is a Thursday: "this Friday" is 2026-01-09.
  8: [[undefined, 'Sprint review is this Friday.']],
  9: [[REPO, 'the deploy target of   octo/app is fly.io'], [undefined, 'The owner prefers squash merges']],
  18: [[REPO, 'The default branch of octo/app changed to `trunk`.']],
  22: [[REPO, 'The CI command of octo/app is `npm run ci`.']],
  24: [[REPO, 'The default branch of octo/app is now `trunk`.'], [REPO, 'The deploy target of octo/app is `fly.io`.']],
  27: [[undefined, 'The owner prefers squash merges.']],
};

export interface MonthOptions {
  logsDir: string;
  memoryDir: string;
  store: Store;
  /** Local midnight of day 1. */
  start: Date;
  /** Background entries per day besides the notes. */
  fillerPerDay?: number;
}

let actionCounter = 0;

/** Write days `from`..`to` (1-based, inclusive) of the month. */
export async function writeMonth(options: MonthOptions, from = 1, to = 30): Promise<number> {
  const clock = new FakeClock(options.start.getTime());
  const log = new DailyLog({ dir: options.logsDir, clock });
  let written = 0;
  let eventId = 1000 * from;
  try {
    for (let day = from; day <= to; day++) {
      const midnight = new Date(options.start);
      midnight.setDate(midnight.getDate() + day - 1);
      clock.set(midnight.getTime() + 8 * 3_600_000);
      for (let i = 0; i < (options.fillerPerDay ?? 12); i++) {
        clock.advance(60_000);
        written += log.appendMany(filler(eventId++, i)).length;
      }
      for (const [topic, text] of NOTES[day] ?? []) {
        clock.advance(60_000);
        written += await note(log, clock, options, eventId++, text, topic);
      }
    }
  } finally {
    log.close();
  }
  return written;
}

function filler(eventId: number, i: number) {
  if (i % 3 === 0) return [{ type: 'tick.skipped', reason: 'nothing changed since the last decided tick' }];
  if (i % 3 === 1) return [{ type: 'event.received', eventId, source: 'github', kind: 'github.push', deliveryId: `d-${eventId}` }];
  return [
    { type: 'event.received', eventId, source: 'github', kind: 'github.issues.opened', deliveryId: `d-${eventId}` },
    { type: 'decision.made', eventId, kind: 'github.issues.opened', act: false, summary: `issue ${eventId} needs nothing`, model: 'rules', proposals: [] },
  ];
}

/** One note the way vigil makes it: decided, allowed, run by the real handler, logged. */
async function note(log: DailyLog, clock: FakeClock, options: MonthOptions, eventId: number, text: string, topic?: string): Promise<number> {
  const actionId = `n${String(++actionCounter).padStart(7, '0')}`;
  const params = { text, ...(topic ? { topic } : {}) };
  const ctx = {
    actionId,
    actionCreatedAt: clock.now(),
    eventId,
    clock,
    store: options.store,
    memoryDir: options.memoryDir,
    github: () => Promise.reject(new Error('no GitHub here')),
    record: () => undefined,
    print: () => undefined,
    config: parseConfig({}, {}),
    notifier: () => {
      throw new Error('memory.note reaches no owner');
    },
    modelCalls: { recorder: options.store.usage, circuit: circuitFor(parseConfig({}, {}).model) },
  } satisfies HandlerContext;
  const entries = [
    { type: 'event.received', eventId, source: 'tick', kind: 'tick' },
    { type: 'decision.made', eventId, kind: 'tick', act: true, summary: `remember: ${text}`, model: 'rules', proposals: [{ action: 'memory.note', params, rationale: '' }] },
    { type: 'action.allowed', actionId, action: 'memory.note', reason: 'default: local actions are allowed' },
    { type: 'action.started', actionId, action: 'memory.note', attempt: 1 },
  ];
  const result = await HANDLERS['memory.note']!(params, ctx);
  entries.push({ type: 'action.succeeded', actionId, action: 'memory.note', result } as never);
  return log.appendMany(entries).length;
}

/** Day `n` of the month as YYYY-MM-DD. */
export function dayDate(start: Date, n: number): string {
  const d = new Date(start);
  d.setDate(d.getDate() + n - 1);
  return localDate(d.getTime());
}

/**
 * A real git clone of octo/app: `src/legacy-config.ts`, `scripts/old-deploy.sh` and
 * `loadLegacyConfig` existed and were deleted in a later commit; `src/server.ts` and
 * the `test` and `ci` scripts are still there.
 */
export function makeRepo(dir: string): string {
  const repo = path.join(dir, 'app');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { stdio: 'ignore' });
  fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
  fs.mkdirSync(path.join(repo, 'scripts'));
  fs.writeFileSync(path.join(repo, 'package.json'), JSON.stringify({ name: 'app', scripts: { test: 'vitest', ci: 'npm run lint && npm test' } }));
  fs.writeFileSync(path.join(repo, 'src/server.ts'), 'export function startServer() {}\n');
  fs.writeFileSync(path.join(repo, 'src/legacy-config.ts'), 'export function loadLegacyConfig() { return {}; }\n');
  fs.writeFileSync(path.join(repo, 'scripts/old-deploy.sh'), '#!/bin/sh\necho deploy\n');
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
  git('rm', '-q', 'src/legacy-config.ts', 'scripts/old-deploy.sh');
  git('commit', '-q', '-m', 'drop the legacy config and the old deploy script');
  return repo;
}
