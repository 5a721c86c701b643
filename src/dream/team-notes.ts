/**
 * The notes a team's dream takes in (issue 19): the `memory.note` lines waiting in the
 * team's notes.md (and a migrated home's inbox.md) — rows of `memory_files` — read as the
 * home's gather reads its claimed files (notes.ts), each sourced to the log line of the
 * action that wrote it when the dream read that line. A home claims its notes file by a
 * rename; a team cannot rename a row, so the dream's commit takes out exactly the lines it
 * read, in the transaction of its memory and marks: a note a worker appended meanwhile
 * stays for the next dream, and a dream killed before its commit leaves every note.
 */
import { PENDING_NOTES_FILES } from '../memory/index.js';
import { topicFromText } from './gather.js';
import { parseNotes } from './notes.js';
import type { Observation } from './working-memory.js';

/** The notes files a dream reads, by their path in `memory_files`. */
export const TEAM_NOTES_FILES: readonly string[] = PENDING_NOTES_FILES;

export interface TeamNotes {
  observations: Observation[];
  /** Per notes file, the lines the dream read: its commit takes these out. */
  taken: Map<string, string[]>;
}

/** Where a `memory.note` action's `action.succeeded` line is, by action id. */
export type NoteLines = ReadonlyMap<string, { ref: string; date: string }>;

export function readTeamNotes(files: ReadonlyMap<string, string>, logged: NoteLines, repoNames: readonly string[], today: string): TeamNotes {
  const observations: Observation[] = [];
  const taken = new Map<string, string[]>();
  for (const path of TEAM_NOTES_FILES) {
    const text = files.get(path);
    if (text === undefined) continue;
    const lines = text.split('\n');
    const notes = parseNotes(text, path);
    for (const note of notes) {
      const line = logged.get(note.actionId ?? '');
      observations.push({
        kind: 'note',
        text: note.text,
        topic: note.topic ?? topicFromText(note.text, repoNames),
        date: note.date ?? line?.date ?? today,
        source: line?.ref ?? `memory/${path} line ${note.line}${note.actionId ? `, action ${note.actionId}` : ''}`,
      });
    }
    if (notes.length) taken.set(path, notes.map((n) => lines[n.line - 1]!));
  }
  return { observations, taken };
}

/**
 * What is left of a notes file once the lines a dream read are taken out (each once): the
 * notes appended since, under the file's heading; null (the file removed) when no note
 * is left — the next `memory.note` starts it again, as on a home.
 */
export function notesLeft(current: string, taken: readonly string[]): string | null {
  const pending = new Map<string, number>();
  for (const line of taken) pending.set(line, (pending.get(line) ?? 0) + 1);
  const kept = current.split('\n').filter((line) => {
    const n = pending.get(line) ?? 0;
    if (n === 0) return true;
    pending.set(line, n - 1);
    return false;
  });
  const text = kept.join('\n');
  return parseNotes(text, '').length === 0 ? null : text;
}
