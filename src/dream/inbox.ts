import path from 'node:path';
import type { MemoryFs } from '../memory/index.js';

/** Where claimed inbox files wait until a dream has committed what it learned from them. */
export const CLAIM_DIR = '.dream';
const CLAIM_NAME = /^inbox-\d+-\d+\.md$/;

export interface InboxNote {
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
}

/**
 * Take memory/inbox.md for this dream by renaming it (atomic): the worker's next
 * `memory.note` starts a fresh inbox, so no note is lost to a rewrite. Claims a
 * crashed dream left behind are taken again; notes are merged by their text, so
 * reading one twice is harmless.
 */
export function claimInbox(fsx: MemoryFs, memoryDir: string, now: number): Claim[] {
  const dir = path.join(memoryDir, CLAIM_DIR);
  const inbox = path.join(memoryDir, 'inbox.md');
  if (fsx.lstat(inbox)?.isFile()) {
    fsx.mkdirp(dir);
    fsx.rename(inbox, path.join(dir, `inbox-${now}-${process.pid}.md`));
    fsx.fsyncDir(memoryDir);
  }
  return fsx
    .list(dir)
    .filter((e) => e.isFile() && CLAIM_NAME.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ file: path.join(dir, name), bytes: fsx.lstat(path.join(dir, name))?.size ?? 0 }));
}

/** After the dream committed: drop the claims it read, unless a late append grew one (the next dream reads it). */
export function releaseClaims(fsx: MemoryFs, claims: readonly Claim[]): void {
  for (const claim of claims) {
    if (fsx.lstat(claim.file)?.size === claim.bytes) fsx.unlink(claim.file);
  }
}

// `- [topic] text (source: action k7m2q9xa, event 12, 2026-01-03) <!-- vigil:action:k7m2q9xa -->`
const NOTE = /^- (?:\[([^\]]{1,80})\] )?(.*?)(?: \(source: ([^)]*)\))?(?: <!-- vigil:action:([\w-]+) -->)?\s*$/;

/** The notes of one inbox file, as the `memory.note` handler (or a person) wrote them. */
export function parseInbox(text: string, file: string): InboxNote[] {
  const notes: InboxNote[] = [];
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
