/**
 * The owner's edit or deletion of a fact on a team node's Memory page (issue 19): the
 * home's edit (memory-edit.ts: the same checks, the same new topic read back, the same
 * rebuilt index) as one write of the team's `memory_files` (`writePgMemory`: under the
 * memory lock every writer of the team's memory queues on, the topics read inside the
 * transaction, the topic file and MEMORY.md committed together with the `memory.edited`
 * line on this node's chain, a file past 100 KB refusing the whole write). A dream that
 * read memory before the edit is refused at its commit ("memory changed while the dream
 * ran", src/dream/team-dream.ts) and takes the edit in at its next run: neither write is lost.
 */
import { localDate, type Clock } from '../clock.js';
import { isVigilError, VigilError } from '../errors.js';
import { eventRecord } from '../events.js';
import { INDEX_FILE, parseTopic, TeamMemoryView, type Topic } from '../memory/index.js';
import type { PgLog } from '../store/index.js';
import type pg from 'pg';
import { checkedFactText, planFactEdit, type FactEdit, type FactEdited, type FactEditPlan } from './memory-edit.js';

interface MemoryRow {
  path: string;
  version: number;
  content: string | null;
  writtenAt: number | null;
}

/** What the edit needs of the team store (PgStore). */
export interface TeamMemoryEditStore {
  log: Pick<PgLog, 'append'>;
  writeMemory(
    now: number,
    changes: (rows: MemoryRow[]) => Array<{ path: string; content: string | null }>,
    also: (client: pg.PoolClient, changed: readonly string[]) => Promise<void>,
  ): Promise<string[]>;
}

/** A topic file as readTopics lists the folder: directly in topics/, not hidden. */
const TOPIC_PATH = /^topics\/([^/.][^/]*)\.md$/;

export async function editTeamMemoryFact(deps: { store: TeamMemoryEditStore; clock: Clock }, edit: FactEdit): Promise<FactEdited> {
  const text = checkedFactText(edit);
  const now = deps.clock.now();
  const today = localDate(now);
  // What the write's callbacks found inside its transaction.
  const found: { plan?: FactEditPlan; version: string | null; changed: boolean } = { version: null, changed: false };
  await writeOrRefuse(() => deps.store.writeMemory(
    now,
    (rows) => {
      const view = new TeamMemoryView(rows);
      const plan = planFactEdit(topicsOf(rows, view, today), edit, text, today);
      found.plan = plan;
      // The version `vigil memory history` will name for what this write replaces (named by this write's time).
      const head = Math.max(0, ...rows.filter((r) => r.path === plan.rel).map((r) => r.version));
      found.version = new TeamMemoryView([...rows, { path: plan.rel, version: head + 1, content: plan.topicContent, writtenAt: now }]).versions(plan.rel)[0]?.version ?? null;
      return [{ path: plan.rel, content: plan.topicContent }, { path: INDEX_FILE, content: plan.index }];
    },
    async (client, changed) => {
      const { plan } = found;
      if (!plan || !changed.includes(plan.rel)) return;
      found.changed = true;
      await deps.store.log.append(client, [eventRecord('memory.edited', { file: plan.rel, op: plan.op, index: edit.index, fact: plan.old.text.slice(0, 200), version: found.version }, now)]);
    },
  ));
  const { plan } = found;
  if (!plan) throw new VigilError('VIGIL_ERR_INTERNAL', 'the memory write computed no edit');
  return { file: plan.rel, op: plan.op, version: found.changed ? found.version : null };
}

/** A file the edit would take past the memory's limit is the owner's fact being too long: said on the page, nothing written. */
async function writeOrRefuse(write: () => Promise<string[]>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (isVigilError(err, 'VIGIL_ERR_MEMORY_COMMAND')) throw new VigilError('VIGIL_ERR_MEMORY_FACT', err.message, { cause: err });
    throw err;
  }
}

/** Each topic's newest version, parsed as the dream reads it, by slug in name order. */
function topicsOf(rows: readonly MemoryRow[], view: TeamMemoryView, today: string): Map<string, Topic> {
  const slugs = [...new Set(rows.flatMap((r) => TOPIC_PATH.exec(r.path)?.[1] ?? []))].sort();
  return new Map(
    slugs.flatMap((slug) => {
      const text = view.read(`topics/${slug}.md`);
      return text === undefined ? [] : [[slug, parseTopic(slug, text, today)] as const];
    }),
  );
}
