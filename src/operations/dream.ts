import type { Config } from '../config/index.js';
import type { HomePaths } from '../home/index.js';
import type { Clock } from '../clock.js';
import {
  dreamDue,
  dreamInHome,
  dreamLockPath,
  lastOwnerActivity,
  liveDreamLock,
  loadDreamState,
  markText,
  NewEntryCounter,
  type DreamLockInfo,
  type DreamReport,
} from '../dream/index.js';
import type { Store } from '../store/index.js';

/** What a finished dream reports, as `vigil dream --now` prints it and the daemon logs it. */
export type DreamSummary = Pick<DreamReport, 'dreamId' | 'added' | 'updated' | 'removed' | 'stale' | 'entriesRead' | 'notes' | 'durationMs'>;

export function describeDream(r: DreamSummary): string {
  return (
    `dream ${r.dreamId} finished: ${r.added} added, ${r.updated} updated, ${r.removed} removed, ${r.stale} stale ` +
    `(${r.entriesRead} new log entries, ${r.notes} notes, ${(r.durationMs / 1000).toFixed(1)} s)`
  );
}

/** The daemon's dreamer: it runs a dream in a child process, one at a time. */
export interface DreamStarter {
  runNow(): { dreamId: string; pid: number };
}

/**
 * `POST /api/dream` (`vigil dream --now` while the daemon runs): a dream starts in the
 * daemon's child process; VIGIL_ERR_DREAM_BUSY while one runs anywhere on the home.
 */
export function startDream(dreams: DreamStarter): { dreamId: string; pid: number } {
  return dreams.runNow();
}

export interface DreamHereOptions {
  paths: HomePaths;
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
}

/**
 * `vigil dream --now` with no daemon: this process dreams, under the same lock the
 * daemon's dreams take; its log records wait in the outbox for the next start.
 */
export function dreamHere(options: DreamHereOptions): Promise<DreamReport> {
  return dreamInHome({ paths: options.paths, env: options.env, trigger: 'manual', progress: options.progress });
}

export interface DreamStatusDeps {
  store: Store;
  clock: Clock;
  home: string;
  logsDir: string;
  config: Pick<Config, 'dream'>;
}

/** `vigil dream` without --now: the last dream, how far it read, and whether the next one is due. */
export interface DreamStatus {
  lastDreamAt: number | null;
  lastDreamId: string | null;
  readUpTo: string | null;
  lastFailedAt: number | null;
  lastFailure: string | null;
  /** The process dreaming now, when one is. */
  dreaming: DreamLockInfo | undefined;
  /** Whether a dream is due, when none runs. */
  verdict: { due: boolean; reason: string } | undefined;
}

export async function dreamStatus(deps: DreamStatusDeps): Promise<DreamStatus> {
  const { store } = deps;
  const now = deps.clock.now();
  const state = loadDreamState(store);
  const status: DreamStatus = {
    lastDreamAt: state.lastDreamAt,
    lastDreamId: state.lastDreamId,
    readUpTo: markText(state.watermark),
    lastFailedAt: state.lastFailedAt,
    lastFailure: state.lastFailure,
    dreaming: liveDreamLock(dreamLockPath(deps.home), now),
    verdict: undefined,
  };
  if (status.dreaming) return status;
  const newEntries = await new NewEntryCounter().countSince(deps.logsDir, state.watermark);
  status.verdict = dreamDue({ now, state, lastActivityAt: lastOwnerActivity(store), newEntries, config: deps.config.dream });
  return status;
}
