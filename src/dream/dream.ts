import type { Config, PermissionsConfig, WatchedRepo } from '../config/index.js';
import { localDate, type Clock } from '../clock.js';
import { errorText, isVigilError, VigilError } from '../errors.js';
import { eventRecord, type EventFields, type EventRecord } from '../events.js';
import { failpoint } from '../failpoints.js';
import { MemoryFiles, nodeMemoryFs, readTopics, removeOrphanTemps, type MemoryFs } from '../memory/index.js';
import type { Store } from '../store/index.js';
import type { Consolidator } from './consolidator.js';
import { addDays } from './dates.js';
import { stageDigest } from './digest.js';
import { gather } from './gather.js';
import { releaseClaims } from './notes.js';
import { acquireDreamLock, dreamLockPath } from './lock.js';
import { newDreamId } from './protocol.js';
import { loadDreamState, markText, saveDreamState, type LogMark } from './state.js';
import { applyRepoFacts, repoFactObservations, repoFacts } from './repo-facts.js';
import { RepoVerifier } from './verify.js';
import { applyOwnerFacts, ownerFactObservations, ownerFacts } from './owner-facts.js';
import { WorkingMemory } from './working-memory.js';
import { writeMemory } from './write.js';

/** The `dream.finished` event (defined once, in src/events.ts) and what only the caller needs. */
export type DreamReport = EventFields['dream.finished'] & {
  filesWritten: number;
  /** The notify action that carries the digest, when one was queued. */
  digestActionId?: string;
};

export interface DreamOptions {
  home: string;
  memoryDir: string;
  logsDir: string;
  store: Store;
  clock: Clock;
  dream: Readonly<Config['dream']>;
  permissions: Readonly<PermissionsConfig>;
  repos: readonly WatchedRepo[];
  consolidator: Consolidator;
  trigger: 'idle' | 'manual';
  dreamId?: string;
  fsx?: MemoryFs;
  /** A phase begins; for a person watching (`vigil dream --now`). */
  progress?: (line: string) => void;
  /** Log records were staged in the outbox: a child asks the daemon to flush. */
  onStaged?: () => void;
}

/**
 * One dream: lock → orient → gather → consolidate → verify → prune → write → commit.
 * Logged as `dream.started`, then `dream.finished` with the report or `dream.failed`
 * with the reason (staged in the outbox; the daemon's journal writes them). Throws
 * VIGIL_ERR_DREAM_BUSY when another process dreams, VIGIL_ERR_DREAM_FAILED on failure;
 * the lock is released either way.
 */
export async function runDream(options: DreamOptions): Promise<DreamReport> {
  const { store, clock } = options;
  const dreamId = options.dreamId ?? newDreamId();
  const release = acquireDreamLock(dreamLockPath(options.home), { pid: process.pid, dreamId, startedAt: clock.now() }, (fn) =>
    store.transaction(fn),
  );
  const stage = (record: EventRecord) => {
    store.outbox.add(record);
    options.onStaged?.();
  };
  try {
    const state = loadDreamState(store);
    stage(eventRecord('dream.started', { dreamId, trigger: options.trigger, since: markText(state.watermark) }, clock.now()));
    // Each phase as it begins, for whoever watches: the person at `vigil dream --now`, and
    // the dashboard (a kv row the daemon reads; the dream is another process). A busy
    // store costs the dashboard a line, never the dream.
    const progress = (phase: string) => {
      try {
        store.kv.set('dream.phase', { dreamId, phase, at: clock.now() });
      } catch {
        // the next phase tries again
      }
      options.progress?.(phase);
    };
    try {
      const report = await phases({ ...options, progress }, dreamId);
      stage(eventRecord('dream.finished', finishedFields(report), clock.now()));
      return report;
    } catch (err) {
      const reason = errorText(err);
      stage(eventRecord('dream.failed', { dreamId, reason }, clock.now()));
      saveDreamState(store, { lastFailedAt: clock.now(), lastFailure: reason });
      throw isVigilError(err, 'VIGIL_ERR_DREAM_FAILED') ? err : new VigilError('VIGIL_ERR_DREAM_FAILED', reason, { cause: err });
    }
  } finally {
    release();
  }
}

/** The report as the `dream.finished` line holds it. */
export function finishedFields(r: DreamReport) {
  const { dreamId, added, updated, removed, stale, entriesRead, notes, topics, consolidator, modelTokens, durationMs } = r;
  return { dreamId, added, updated, removed, stale, entriesRead, notes, topics, consolidator, modelTokens, durationMs };
}

async function phases(options: DreamOptions, dreamId: string): Promise<DreamReport> {
  const { store, clock } = options;
  const started = clock.now();
  const today = localDate(started);
  const progress = options.progress ?? (() => undefined);
  const fsx = options.fsx ?? nodeMemoryFs;
  const files = new MemoryFiles(options.memoryDir, fsx, clock);
  await failpoint('dream.delay');

  // Orient: what memory holds now. Temp files of a writer killed mid-write go first.
  removeOrphanTemps(fsx, options.memoryDir);
  const loaded = readTopics(files, today);
  const memory = new WorkingMemory([...loaded.values()].map((l) => l.topic));
  progress(`orient: ${loaded.size} topics`);

  // Gather: only what the logs say after the last dream's watermark, and the notes.
  const state = loadDreamState(store);
  const gathered = await gather({
    logsDir: options.logsDir,
    memoryDir: options.memoryDir,
    fsx,
    since: state.watermark,
    now: started,
    today,
    repoNames: options.repos.map((r) => r.name),
  });
  progress(`gather: ${gathered.entriesRead} new log entries, ${gathered.notes.length} notes`);

  // What the events say about each repository, without a model; a model consolidator
  // reads these facts too (first, so its first batch shows their topics).
  const learned = repoFacts(gathered.events, (id) => payloadOf(store, id));
  applyRepoFacts(memory, learned);
  progress(`learn: ${learned.length} repository facts from ${gathered.events.length} events`);

  // What the owner's answers say about the owner (issue 15): from the store, whole, each dream.
  const owner = ownerFacts(store.ownerAnswers.all());
  applyOwnerFacts(memory, owner, today);
  progress(`learn: ${owner.length} facts about the owner`);

  progress(`consolidate: ${options.consolidator.name}`);
  const observations = [...repoFactObservations(learned), ...ownerFactObservations(owner), ...gathered.notes, ...gathered.activity];
  const { modelTokens } = await options.consolidator.consolidate(memory, observations, { today });
  progress('verify');
  verifyAndPrune(memory, options.repos, options.dream.staleDays, today);

  const before = new Map([...loaded].map(([slug, l]) => [slug, l.text]));
  const filesWritten = await writeMemory(files, before, [...memory.topics.values()], progress);
  progress('commit');
  await failpoint('dream.before_commit');
  const report: DreamReport = {
    dreamId,
    ...memory.counts,
    entriesRead: gathered.entriesRead,
    notes: gathered.notes.length,
    topics: [...memory.topics.values()].filter((t) => t.facts.length > 0).length,
    filesWritten,
    consolidator: options.consolidator.name,
    modelTokens,
    durationMs: clock.now() - started,
  };
  commit(options, report, memory.changes, gathered.mark ?? state.watermark);
  releaseClaims(fsx, gathered.claims);
  return report;
}

/** Verify against the watched clones; prune what went unconfirmed for staleDays (the topic's history keeps it). */
export function verifyAndPrune(memory: WorkingMemory, repos: readonly WatchedRepo[], staleDays: number, today: string): void {
  const local = repos.filter((r): r is WatchedRepo & { path: string } => typeof r.path === 'string');
  new RepoVerifier(local).verify(memory, today);
  const cutoff = addDays(today, -staleDays);
  for (const ref of memory.all()) if (ref.fact.confirmed < cutoff) memory.remove(ref, `unconfirmed since ${ref.fact.confirmed}`);
}

/** The watermark moves only now, after every file is written: a dream that died before this is read again. */
function commit(options: DreamOptions, report: DreamReport, changes: readonly string[], watermark: LogMark | null): void {
  const { store, clock } = options;
  const changed = report.added + report.updated + report.removed + report.stale > 0;
  store.transaction(() => {
    saveDreamState(store, { lastDreamAt: clock.now(), lastDreamId: report.dreamId, watermark });
    if (!changed) return;
    const id = stageDigest(store, options.permissions, report, changes, clock.now());
    if (id) report.digestActionId = id;
  });
}

/** An event's payload, parsed; an event pruned from the store, or unreadable, teaches nothing. */
function payloadOf(store: Store, eventId: number): Record<string, unknown> | undefined {
  try {
    const event = store.inbox.get(eventId);
    const value: unknown = event ? JSON.parse(event.payload) : undefined;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
