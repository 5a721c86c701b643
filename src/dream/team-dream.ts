/**
 * The dream on a node of a team (issue 19): the home's dream (dream.ts) with the team's
 * tables in place of the home's files — memory is `memory_files`, the logs are every
 * node's chains in `log_entries` read behind per-node marks (not a byte offset into a
 * daily file), the payloads come from the team's inbox. Whatever it computes, it commits
 * in one transaction: the memory files, the marks and its `dream.finished` line; a node
 * killed before that commit leaves memory and marks wholly as they were, and the next
 * dreamer reads the same lines again. Only the node holding the `dreamer` role dreams
 * (src/daemon/team-dreamer.ts); the commit refuses a dream that another one overtook.
 *
 * The notes `memory.note` left in the team's notes.md are consolidated as a home's are,
 * and taken out of it in the same commit (team-notes.ts).
 *
 * With a model provider the node's dreamer passes the model's consolidator, as a home's
 * dream child does (src/daemon/team-dreamer.ts). What the owner's answers say about the
 * owner (topics/owner.md) is learnt as a home's dream learns it, from the team's actions:
 * an answer given through any node counts.
 */
import type { Config, PermissionsConfig, WatchedRepo } from '../config/index.js';
import { localDate, type Clock } from '../clock.js';
import { errorText, isVigilError, VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { failpoint } from '../failpoints.js';
import type { LogEntry } from '../logs/index.js';
import { INDEX_FILE, parseTopic, renderIndex, renderTopic, TOPICS_DIR, topicPath, type Topic } from '../memory/index.js';
import type { DreamHolder, PgStore, TeamDreaming } from '../store/index.js';
import type { Consolidator } from './consolidator.js';
import type { DreamReport } from './dream.js';
import { finishedFields, verifyAndPrune } from './dream.js';
import { dreamDue, HOUSEKEEPING, MIN_NEW_ENTRIES, type DueInput } from './due.js';
import { applyOwnerFacts, ownerFactObservations, ownerFacts } from './owner-facts.js';
import { newDreamId } from './protocol.js';
import { applyRepoFacts, repoFactObservations, repoFacts, type SeenEvent } from './repo-facts.js';
import { RulesConsolidator } from './rules-consolidator.js';
import { stageTeamDigest } from './team-digest.js';
import { notesLeft, readTeamNotes, TEAM_NOTES_FILES } from './team-notes.js';
import { WorkingMemory } from './working-memory.js';

/** What a dream reads and writes: the team's dream tables, and its actions (the digest). A node's store, or the CLI's (openPgDreamStore). */
export type TeamDreamStore = Pick<PgStore, 'dreams' | 'actions'>;

export interface TeamDreamOptions {
  store: TeamDreamStore;
  clock: Clock;
  dream: Readonly<Config['dream']>;
  repos: readonly WatchedRepo[];
  trigger: 'idle' | 'manual';
  /** The dreaming node's policy, which judges the digest (none: no digest, as for a dream run by hand in a test). */
  permissions?: Readonly<PermissionsConfig>;
  dreamId?: string;
  /** The rules pass unless told (the dreamer passes the configured model's). */
  consolidator?: Consolidator;
  /** The process dreaming and the backend holding the dreamer role for it: recorded as the dream under way, which another \`vigil dream --now\` is told about. */
  holder?: DreamHolder;
}

/** Lines a dream takes in at most; the marks say where the next one goes on. */
const MAX_LINES = 200_000;
/** As the home's gather (gather.ts): the newest events whose payloads a dream reads. */
const MAX_EVENTS = 5000;

type Marks = Awaited<ReturnType<PgStore['dreams']['state']>>['marks'];

/** Is a dream due on the team (the home's gate, dreamDue, over the team's tables)? */
export async function teamDreamDue(store: Pick<PgStore, 'dreams'>, config: Readonly<Config['dream']>, now: number): Promise<{ due: boolean; reason: string }> {
  return dreamDue(await teamDueInput(store, config, now));
}

/** What the gate reads on a team: the team's dream state, its last sign of life, the news behind the marks (counted up to enough). */
export async function teamDueInput(store: Pick<PgStore, 'dreams'>, config: Readonly<Config['dream']>, now: number): Promise<DueInput> {
  const state = await store.dreams.state();
  const [lastActivityAt, newEntries] = await Promise.all([
    store.dreams.lastActivityAt(),
    store.dreams.newsSince(state.marks, HOUSEKEEPING.source, MIN_NEW_ENTRIES),
  ]);
  return { now, state: { ...state, watermark: null }, lastActivityAt, newEntries, config };
}

/** Another \`vigil dream --now\` while a dream of the team is under way (as the home's lock says it: src/dream/lock.ts). */
export function teamDreamBusy(d: TeamDreaming): VigilError {
  return new VigilError('VIGIL_ERR_DREAM_BUSY', `pid ${d.pid} has been dreaming since ${new Date(d.since).toISOString()} on node ${d.node} (dream ${d.dreamId})`);
}

/**
 * One dream of the team: `dream.started` on this node's chain, then orient, gather,
 * learn, consolidate, verify, prune, and the commit. A failure is `dream.failed` (with
 * the reason in `dream_state`) and VIGIL_ERR_DREAM_FAILED.
 */
export async function runTeamDream(options: TeamDreamOptions): Promise<DreamReport> {
  const { store, clock } = options;
  const dreamId = options.dreamId ?? newDreamId();
  const state = await store.dreams.state();
  const begun = clock.now();
  await store.dreams.started(begun, dreamId, options.holder, [eventRecord('dream.started', { dreamId, trigger: options.trigger, since: marksText(state.marks) }, begun)]);
  try {
    return await phases(options, dreamId, state);
  } catch (err) {
    const reason = errorText(err);
    await store.dreams.failed(clock.now(), dreamId, reason, [eventRecord('dream.failed', { dreamId, reason }, clock.now())]).catch(() => undefined);
    throw isVigilError(err, 'VIGIL_ERR_DREAM_FAILED') ? err : new VigilError('VIGIL_ERR_DREAM_FAILED', reason, { cause: err });
  }
}

async function phases(options: TeamDreamOptions, dreamId: string, state: Awaited<ReturnType<PgStore['dreams']['state']>>): Promise<DreamReport> {
  const { store, clock } = options;
  const started = clock.now();
  const today = localDate(started);
  await failpoint('dream.delay');

  // Orient: memory as the team's rows hold it, each file's newest version.
  const heads = newestVersions(await store.dreams.memory());
  const before = new Map<string, string>();
  const loaded: Topic[] = [];
  for (const [path, head] of heads) {
    const slug = topicSlug(path);
    if (slug === undefined || head.content === null) continue;
    before.set(slug, head.content);
    loaded.push(parseTopic(slug, head.content, today));
  }
  const memory = new WorkingMemory(loaded.sort((a, b) => a.slug.localeCompare(b.slug)));
  const noteFiles = new Map(TEAM_NOTES_FILES.flatMap((path) => {
    const content = heads.get(path)?.content;
    return typeof content === 'string' ? [[path, content] as const] : [];
  }));

  // Gather: every chain's lines after its mark.
  const lines = await store.dreams.linesSince(state.marks, MAX_LINES);
  const marks: Marks = { ...state.marks };
  const events: Array<SeenEvent & { ts: string }> = [];
  const filtered = new Set<number>();
  const noteLines = new Map<string, { ref: string; date: string }>();
  for (const row of lines) {
    marks[row.node] = { day: row.day, seq: row.seq };
    const entry = JSON.parse(row.line) as LogEntry;
    if (entry.type === 'event.received' && typeof entry.eventId === 'number' && typeof entry.kind === 'string' && entry.kind.startsWith('github.')) {
      events.push({ eventId: entry.eventId, kind: entry.kind, ref: `log ${row.node}/${row.day}#${row.seq}`, date: row.day, ts: entry.ts });
    }
    if (entry.type === 'event.filtered' && typeof entry.eventId === 'number') filtered.add(entry.eventId);
    if (entry.type === 'action.succeeded' && entry.action === 'memory.note' && typeof entry.actionId === 'string') {
      noteLines.set(entry.actionId, { ref: `log ${row.node}/${row.day}#${row.seq}`, date: row.day });
    }
  }
  // Chains are read one after another; the facts want the events in the order they came.
  const learnFrom = events.filter((e) => !filtered.has(e.eventId)).sort((a, b) => a.ts.localeCompare(b.ts)).slice(-MAX_EVENTS);
  const bodies = await store.dreams.bodies([...new Set(learnFrom.map((e) => e.eventId))]);

  const learned = repoFacts(learnFrom, (id) => payloadOf(bodies.get(id)));
  applyRepoFacts(memory, learned);
  // The owner's answers, whole, each dream (as a home's): the counts are the table's, not a sum of dreams.
  const owner = ownerFacts(await store.dreams.ownerAnswers(), "the team's actions");
  applyOwnerFacts(memory, owner, today);
  const consolidator = options.consolidator ?? new RulesConsolidator();
  const notes = readTeamNotes(noteFiles, noteLines, options.repos.map((r) => r.name), today);
  const observations = [...repoFactObservations(learned), ...ownerFactObservations(owner), ...notes.observations];
  const { modelTokens } = await consolidator.consolidate(memory, observations, { today });
  verifyAndPrune(memory, options.repos, options.dream.staleDays, today);

  const topics = [...memory.topics.values()];
  const files: Array<{ path: string; content: string | null }> = [];
  for (const topic of topics.sort((a, b) => a.slug.localeCompare(b.slug))) {
    const empty = topic.facts.length === 0 && topic.notes.length === 0;
    if (empty) {
      if (before.has(topic.slug)) files.push({ path: topicPath(topic.slug), content: null });
      continue;
    }
    const text = renderTopic(topic);
    if (before.get(topic.slug) !== text) files.push({ path: topicPath(topic.slug), content: text });
  }
  files.push({ path: INDEX_FILE, content: renderIndex(topics) });

  const report: DreamReport = {
    dreamId,
    ...memory.counts,
    entriesRead: lines.length,
    notes: notes.observations.length,
    topics: topics.filter((t) => t.facts.length > 0).length,
    filesWritten: 0,
    consolidator: consolidator.name,
    modelTokens,
    durationMs: clock.now() - started,
  };
  const changedMemory = report.added + report.updated + report.removed + report.stale > 0;
  const changed = await store.dreams.commit(
    clock.now(),
    (rows) => {
      // Memory another writer changed since orient (a restore): this dream's files would undo it; the next dream reads it.
      // A note appended meanwhile is no such change: it stays in its file for the next dream.
      const now = newestVersions(rows);
      if (!sameVersions(withoutNotes(heads), withoutNotes(now))) throw new VigilError('VIGIL_ERR_DREAM_FAILED', 'memory changed while the dream ran');
      const taken = [...notes.taken].flatMap(([path, read]) => {
        const current = now.get(path)?.content;
        return typeof current === 'string' ? [{ path, content: notesLeft(current, read) }] : [];
      });
      return [...files, ...taken];
    },
    {
      dreamId,
      after: state.lastDreamId,
      marks,
      records: [eventRecord('dream.finished', finishedFields(report), clock.now())],
      // A dream that changed memory tells the owner, in its own commit (team-digest.ts).
      ...(changedMemory && options.permissions
        ? {
            stage: async (client) => {
              const digest = await stageTeamDigest(client, store, options.permissions!, report, memory.changes, clock.now());
              if (digest.actionId) report.digestActionId = digest.actionId;
              return digest.records;
            },
          }
        : {}),
    },
  );
  report.filesWritten = changed.length;
  return report;
}

interface Head {
  version: number;
  content: string | null;
}

function newestVersions(rows: ReadonlyArray<{ path: string; version: number; content: string | null }>): Map<string, Head> {
  const heads = new Map<string, Head>();
  for (const row of rows) if ((heads.get(row.path)?.version ?? 0) < row.version) heads.set(row.path, { version: row.version, content: row.content });
  return heads;
}

function withoutNotes(heads: ReadonlyMap<string, Head>): Map<string, Head> {
  return new Map([...heads].filter(([path]) => !TEAM_NOTES_FILES.includes(path)));
}

function sameVersions(a: ReadonlyMap<string, Head>, b: ReadonlyMap<string, Head>): boolean {
  return a.size === b.size && [...a].every(([path, head]) => b.get(path)?.version === head.version);
}

/** `topics/<slug>.md` → slug; any other file is not a topic. */
function topicSlug(path: string): string | undefined {
  const match = new RegExp(`^${TOPICS_DIR}/([^/]+)\\.md$`).exec(path);
  return match?.[1];
}

/** The marks as people read them, `node/day#seq` each (the dream's \`since\`, \`vigil dream\`'s "read up to"); null: none. */
export function marksText(marks: Marks): string | null {
  const parts = Object.entries(marks).sort(([a], [b]) => a.localeCompare(b)).map(([node, m]) => `${node}/${m.day}#${m.seq}`);
  return parts.length ? parts.join(' ') : null;
}

/** An event's payload, parsed; a body the inbox no longer has, or unreadable, teaches nothing. */
function payloadOf(body: Buffer | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = body ? JSON.parse(body.toString('utf8')) : undefined;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
