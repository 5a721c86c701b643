import path from 'node:path';
import { CLAIM_DIR, PENDING_NOTES_FILES, type MemoryFs } from '../memory/index.js';

/**
 * A claim is named after the notes file it was taken from: `notes-<now>-<pid>.md`, or
 * `inbox-<now>-<pid>.md` for a home's leftover inbox.md (and for claims a dream before
 * the rename left behind).
 */
const CLAIM_NAME = /^(notes|inbox)-\d+-\d+\.md$/;

export interface Note {
  text: string;
  topic?: string;
  actionId?: string;
  /** YYYY-MM-DD the note was written, when its line says. */
  date?: string;
  /** The claimed file and 1-based line. */
  file: string;
  line: number;
}

export interface Claim {
  file: string;
  bytes: number;
  /** The memory file its notes were written to ("notes.md", or a leftover "inbox.md"). */
  origin: string;
}

/**
 * Take memory/notes.md for this dream by renaming it (atomic): the worker's next
 * `memory.note` starts a fresh file, so no note is lost to a rewrite. A leftover
 * memory/inbox.md (the name before issue 13) is taken the same way, beside it, never
 * over it. Claims a crashed dream left behind are taken again; notes are merged by
 * their text, so reading one twice is harmless.
 */
export function claimNotes(fsx: MemoryFs, memoryDir: string, now: number): Claim[] {
  const dir = path.join(memoryDir, CLAIM_DIR);
  let renamed = false;
  for (const name of PENDING_NOTES_FILES) {
    const file = path.join(memoryDir, name);
    if (!fsx.lstat(file)?.isFile()) continue;
    fsx.mkdirp(dir);
    fsx.rename(file, path.join(dir, `${path.basename(name, '.md')}-${now}-${process.pid}.md`));
    renamed = true;
  }
  if (renamed) fsx.fsyncDir(memoryDir);
  return fsx
    .list(dir)
    .filter((e) => e.isFile() && CLAIM_NAME.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => ({
      file: path.join(dir, name),
      bytes: fsx.lstat(path.join(dir, name))?.size ?? 0,
      origin: `${CLAIM_NAME.exec(name)![1]}.md`,
    }));
}

/** After the dream committed: drop the claims it read, unless a late append grew one (the next dream reads it). */
export function releaseClaims(fsx: MemoryFs, claims: readonly Claim[]): void {
  for (const claim of claims) {
    if (fsx.lstat(claim.file)?.size === claim.bytes) fsx.unlink(claim.file);
  }
}

// `- [topic] text (source: action k7m2q9xa, event 12, 2026-01-03) <!-- vigil:action:k7m2q9xa -->`
const NOTE = /^- (?:\[([^\]]{1,80})\] )?(.*?)(?: \(source: ([^)]*)\))?(?: <!-- vigil:action:([\w-]+) -->)?\s*$/;

/** The notes of one notes file, as the `memory.note` handler (or a person) wrote them. */
export function parseNotes(text: string, file: string): Note[] {
  const notes: Note[] = [];
  text.split('\n').forEach((line, i) => {
    const m = NOTE.exec(line);
    if (!m || !m[2]!.trim()) return;
    const date = m[3] ? /\d{4}-\d{2}-\d{2}/.exec(m[3])?.[0] : undefined;
    notes.push({
      text: m[2]!.trim(),
      ...(m[1] ? { topic: m[1].trim() } : {}),
      ...(m[4] ? { actionId: m[4] } : {}),
      ...(date ? { date } : {}),
      file,
      line: i + 1,
    });
  });
  return notes;
}
