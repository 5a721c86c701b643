import fs from 'node:fs';
import path from 'node:path';
import { isVigilError } from '../errors.js';
import { localDate } from '../clock.js';
import { INDEX_FILE, inDaemonBudget, parseTopic, PENDING_NOTES_FILES, SearchIndex, TOPICS_DIR, type SearchHit, type Topic } from '../memory/index.js';
import type { Store } from '../store/index.js';

export interface MemoryHit {
  file: string;
  line: number;
  text: string;
}

export interface MemoryView {
  index: string;
  topics: string[];
  /** The topic asked for, parsed as the dream reads it: its facts in file order (the edit form's `index`). */
  topic?: Topic;
  query?: string;
  hits: MemoryHit[];
  /** The same full-text search as `vigil memory search` (SQLite FTS5 over every log entry and event). */
  logHits: SearchHit[];
  /** The index had more to catch up than one search may spend on it: the newest entries may be missing. */
  indexBehind?: boolean;
}

const MAX_HITS = 50;
const SLUG = /^[a-z0-9][a-z0-9._-]{0,80}$/i;

/** A memory folder as the page reads it: each file's text by its path ('' when absent), and the topics' slugs, sorted. */
export interface MemoryFilesSource {
  read(rel: string): string;
  topics: string[];
}

/**
 * The memory folder as the dashboard shows it: the index (MEMORY.md), the topic files
 * (topics/<slug>.md), a plain search over their lines and the notes waiting for a dream, and the
 * full-text search over the logs (src/memory). Read only: the dream pass writes memory.
 */
export function memoryView(
  dirs: { memoryDir: string; logsDir: string; store: Store; now: number },
  opts: { topic?: string; query?: string; catchUpMs?: number },
): MemoryView {
  const { memoryDir } = dirs;
  const files: MemoryFilesSource = { read: (rel) => readText(path.join(memoryDir, rel)), topics: listMarkdown(path.join(memoryDir, TOPICS_DIR)) };
  const view = memoryFilesView(files, opts, localDate(dirs.now));
  if (view.query) {
    const found = pageSearch(dirs, view.query, opts.catchUpMs);
    view.logHits = found.hits.map((hit) => ({ ...hit, snippet: readableSnippet(hit.snippet) }));
    if (!found.complete) view.indexBehind = true;
  }
  return view;
}

/**
 * What the page shows of memory itself, whichever store holds it (a home's folder, or a
 * team's `memory_files` on a node): the index, the topics, the topic asked for and the
 * plain search's hits; `logHits` is left empty for the caller's search of the logs.
 */
export function memoryFilesView(files: MemoryFilesSource, opts: { topic?: string; query?: string }, today: string): MemoryView {
  const { topics } = files;
  const view: MemoryView = { index: files.read(INDEX_FILE), topics, hits: [], logHits: [] };
  if (opts.topic && SLUG.test(opts.topic) && topics.includes(opts.topic)) {
    view.topic = parseTopic(opts.topic, files.read(`${TOPICS_DIR}/${opts.topic}.md`), today);
  }
  const query = opts.query?.trim();
  if (query) {
    view.query = query;
    view.hits = search(files, [INDEX_FILE, ...PENDING_NOTES_FILES, ...topics.map((t) => `${TOPICS_DIR}/${t}.md`)], query);
  }
  return view;
}

/**
 * GitHub's GraphQL node ids (`I_kwDOAbCd…`, `MDU6SXNzdWUx`) and avatar hashes say nothing to
 * a person: a snippet shows the words around them instead (the index skips them now; rows
 * indexed before that still hold them).
 */
const NODE_ID = /(?<![\p{L}\p{N}_])(?:[A-Z]{1,4}_k[wg]D[A-Za-z0-9_-]{6,}|MD[A-Za-z0-9]{8,}={0,2}|[0-9a-f]{32})(?![\p{L}\p{N}_])/gu;

export function readableSnippet(snippet: string): string {
  return snippet.replace(NODE_ID, '').replace(/(?:\s*·\s*){2,}/g, ' · ').replace(/\s{2,}/g, ' ').trim();
}

/**
 * The logs' search as the daemon answers it (this page and `GET /api/memory/search`): the
 * index follows the logs behind a watermark and whoever searches first brings it up to
 * date — here within the daemon's budget (`inDaemonBudget`), its loop takes webhooks meanwhile.
 * A year not yet indexed takes ~30 s: `complete` is false then, and `vigil memory search`
 * indexes it in a process of its own.
 */
export function searchLogs(
  deps: { store: Store; logsDir: string },
  query: string,
  opts: { catchUpMs?: number; limit?: number } = {},
): { hits: SearchHit[]; complete: boolean } {
  const index = new SearchIndex(deps.store, deps.logsDir);
  const { complete } = index.catchUp(inDaemonBudget(opts.catchUpMs));
  return { hits: index.search(query, opts.limit ?? 20), complete };
}

function pageSearch(deps: { store: Store; logsDir: string }, query: string, catchUpMs: number | undefined): { hits: SearchHit[]; complete: boolean } {
  try {
    return searchLogs(deps, query, catchUpMs === undefined ? {} : { catchUpMs });
  } catch (err) {
    // Punctuation alone is nothing to search for.
    if (isVigilError(err, 'VIGIL_ERR_USAGE')) return { hits: [], complete: true };
    throw err;
  }
}

function search(source: MemoryFilesSource, files: string[], query: string): MemoryHit[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits: MemoryHit[] = [];
  for (const file of files) {
    const lines = source.read(file).split('\n');
    lines.forEach((text, i) => {
      const lower = text.toLowerCase();
      if (hits.length < MAX_HITS && words.every((w) => lower.includes(w))) hits.push({ file, line: i + 1, text: text.trim() });
    });
  }
  return hits;
}

function listMarkdown(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => f.slice(0, -3))
      .sort();
  } catch {
    return [];
  }
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
