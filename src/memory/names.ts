/**
 * The names inside the memory folder (`<home>/memory/`), declared here and nowhere
 * else: every room that reads or writes memory (the dream, the worker's `memory.note`,
 * the CLI, the dashboard) takes them from src/memory. See docs/contract.md ("Files").
 */

/** The index every prompt carries, one line per topic. */
export const INDEX_FILE = 'MEMORY.md';

/** One file per topic: `topics/<slug>.md`. */
export const TOPICS_DIR = 'topics';

/**
 * Notes the worker's `memory.note` appends, waiting for the next dream. Not "inbox":
 * that is the event inbox in the store (src/store/inbox.ts).
 */
export const NOTES_FILE = 'notes.md';

/**
 * The notes file's name before issue 13. A home from then may still hold one; the
 * dream takes it together with NOTES_FILE (src/dream/notes.ts), so no note is lost.
 */
export const LEGACY_NOTES_FILE = 'inbox.md';

/** Every file whose notes wait for the next dream, oldest name first. */
export const PENDING_NOTES_FILES = [LEGACY_NOTES_FILE, NOTES_FILE] as const;

/** Previous versions, one folder per file: `.history/topics/x.md/<version>`. */
export const HISTORY_DIR = '.history';

/** Notes files a dream has claimed and not yet committed (read again after a crash). */
export const CLAIM_DIR = '.dream';
