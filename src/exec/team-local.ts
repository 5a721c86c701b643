/**
 * The catalog's local actions on a team node (issue 19), carried out by any node's
 * worker under the action's lease, as the GitHub ones are, and each once across nodes:
 *
 * - `notify`: through the team's notification path (team-reach.ts, src/notify/team-notices.ts)
 *   under the key `action:<id>`: quiet hours and the hourly cap counted over all nodes,
 *   and a worker that takes the action over sends only to the channels that have not
 *   had it.
 * - `memory.note`: a line of the team's notes.md in `memory_files`, which a node's dream
 *   consolidates (src/dream/team-notes.ts).
 * - `remind`: a row of the team's `reminders`, keyed by the action; when due, whichever
 *   node looks first fires it as one tick event in the shared inbox (team-reminders.ts).
 */
import { localDate, type Clock } from '../clock.js';
import type { EventRecord } from '../events.js';
import { NOTES_FILE } from '../memory/index.js';
import type { TeamDelivery } from '../notify/index.js';
import type { ActionName, ActionParams } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import type { PgAction } from '../store/index.js';

export interface TeamLocalEffects {
  /** The owner's channels, behind the team's gate (team-reach.ts). */
  notices: {
    deliver(notification: { title: string; body: string; urgency: 'low' | 'normal' | 'high'; tag: string }, key: string, record: (r: EventRecord) => void): Promise<TeamDelivery>;
  };
  /** The team's reminders (src/store/pg/reminders.ts), keyed by the action. */
  reminders: { add(actionId: string, dueAt: number, note: string): Promise<boolean> };
  /**
   * A write of the team's memory files, all or nothing (src/store/pg/memory.ts
   * `writePgMemory`): `change` gets the newest content of each file inside the write's
   * transaction and returns the files to write; a file over the limit refuses it whole.
   */
  writeMemory(change: (heads: ReadonlyMap<string, string>) => Array<{ path: string; content: string }>): Promise<string[]>;
  clock: Clock;
  /** Stage a log line to commit with the action's result. */
  record: (record: EventRecord) => void;
  /** The worker's stdout (journald). */
  print: (line: string) => void;
}

type LocalHandler = (params: Record<string, unknown>, action: PgAction, effects: TeamLocalEffects) => Promise<unknown>;

/** As the home's `notify` handler (src/exec/handlers/local.ts): a line on stdout, the channels, the same result. */
const notify: LocalHandler = async (raw, action, effects) => {
  const params = raw as ActionParams<'notify'>;
  const urgency = params.urgency ?? 'normal';
  effects.print(secretMask().redact(`vigil notify [${urgency}] ${params.title}${params.body ? ` — ${params.body}` : ''}`));
  const notification = { title: params.title, body: params.body, urgency, tag: `action-${action.id}` };
  return effects.notices.deliver(notification, `action:${action.id}`, effects.record);
};

/** A row in the team's reminders, keyed by the action (a retry adds none); any node fires it when due (src/daemon/team-reminders.ts). */
const remind: LocalHandler = async (raw, action, effects) => {
  const params = raw as ActionParams<'remind'>;
  const dueAt = Date.parse(params.at);
  await effects.reminders.add(action.id, dueAt, params.note);
  return { dueAt: new Date(dueAt).toISOString() };
};

/**
 * As the home's `memory.note` (src/exec/handlers/local.ts): one line appended to the
 * team's notes.md (a row of `memory_files`), with where it came from, for the dream to
 * consolidate; the hidden marker at the line's end makes a retry a no-op — looked for
 * inside the write's transaction, so two workers that both ran it (one after the other's
 * lease lapsed) add one line.
 */
const memoryNote: LocalHandler = async (raw, action, effects) => {
  const params = raw as ActionParams<'memory.note'>;
  const marker = `<!-- vigil:action:${action.id} -->`;
  const source = [`action ${action.id}`, action.eventId !== null ? `event ${action.eventId}` : '', localDate(effects.clock.now())].filter(Boolean).join(', ');
  const topic = params.topic ? `[${params.topic}] ` : '';
  // One line a note: the sender's newlines must not start a line of their own (a forged note, a heading).
  const text = params.text.replace(/\s*\n\s*/g, ' ');
  let appended = false;
  await effects.writeMemory((heads) => {
    const existing = heads.get(NOTES_FILE) ?? '';
    // At a line's end only: a sender's text may quote another action's marker.
    if (existing.split('\n').some((line) => line.endsWith(marker))) return [];
    appended = true;
    const header = existing ? '' : '# Memory notes\n\nNotes waiting for the next dream.\n\n';
    return [{ path: NOTES_FILE, content: `${existing}${header}- ${topic}${text} (source: ${source}) ${marker}\n` }];
  });
  return { file: NOTES_FILE, appended };
};

export const TEAM_LOCAL_HANDLERS: Partial<Record<ActionName, LocalHandler>> = { notify, 'memory.note': memoryNote, remind };
