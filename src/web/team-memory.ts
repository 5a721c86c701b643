/**
 * The Memory page's view on a team node (issue 19): the same view as a home's
 * (`memoryFilesView`, memory.ts) over the newest version of each file in `memory_files`,
 * and the logs' search that `vigil memory search` runs on a team (src/memory/team-search.ts:
 * every node's chain and the shared inbox, its hits naming their chain `log NODE/DAY#SEQ`).
 */
import { localDate } from '../clock.js';
import { isVigilError } from '../errors.js';
import type { SearchHit } from '../memory/index.js';
import { memoryFilesView, readableSnippet, type MemoryView } from './memory.js';

/** A topic file as readTopics lists the folder: directly in topics/, not hidden. */
const TOPIC_PATH = /^topics\/([^/.][^/]*)\.md$/;

export async function teamMemoryView(
  heads: ReadonlyArray<{ path: string; content: string }>,
  searchLogs: (query: string) => Promise<SearchHit[]>,
  opts: { topic?: string; query?: string },
  now: number,
): Promise<MemoryView> {
  const byPath = new Map(heads.map((h) => [h.path, h.content]));
  const topics = heads.flatMap((h) => TOPIC_PATH.exec(h.path)?.[1] ?? []).sort();
  const view = memoryFilesView({ read: (rel) => byPath.get(rel) ?? '', topics }, opts, localDate(now));
  if (view.query) view.logHits = (await searchOrNone(searchLogs, view.query)).map((hit) => ({ ...hit, snippet: readableSnippet(hit.snippet) }));
  return view;
}

async function searchOrNone(searchLogs: (query: string) => Promise<SearchHit[]>, query: string): Promise<SearchHit[]> {
  try {
    return await searchLogs(query);
  } catch (err) {
    // Punctuation alone is nothing to search for (as on a home's page).
    if (isVigilError(err, 'VIGIL_ERR_USAGE')) return [];
    throw err;
  }
}
