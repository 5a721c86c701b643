import { z } from 'zod';
import { inDaemonBudget, runMemoryCommand, type CatchUpBudget, type MemoryFiles, type SearchHit } from '../memory/index.js';
import { tool, type InvestigationTool } from './tool.js';

export const MAX_SEARCH_HITS = 10;
const MAX_SNIPPET_CHARS = 200;

export interface MemoryToolsDeps {
  /** vigil's memory folder. Only viewed here: `view` is the one memory command these tools run. */
  files: MemoryFiles;
  /** The full-text index over the logs and event payloads (memory's SearchIndex). */
  searchIndex: { catchUp(budget?: CatchUpBudget): { complete: boolean }; search(query: string, limit?: number): SearchHit[] };
}

/** What `memory_search` found, and whether its index had caught up with everything. */
export interface MemorySearchResult {
  hits: SearchHit[];
  complete: boolean;
}

/**
 * Where the memory tools read: a home's folder and SQLite index, or a team's database
 * (issue 19) through a node-local copy of its files and its node-local index.
 */
export interface MemorySource {
  /** The memory folder as of now. */
  files(): MemoryFiles | Promise<MemoryFiles>;
  /** The best `limit` hits for `query`, the index brought up to date as far as a decision may wait. */
  search(query: string, limit: number): MemorySearchResult | Promise<MemorySearchResult>;
}

/**
 * `memory_view` and `memory_search` (issue 14): what vigil remembers, read-only. A path
 * is confined to the memory folder by the memory tool's own boundary (resolveMemoryPath
 * through runMemoryCommand's `view`): `..`, absolute paths other than `/memories`,
 * hidden names and symlinks leading out are refused there.
 */
export function memoryTools(deps: MemoryToolsDeps): InvestigationTool[] {
  return memoryToolsOver({
    files: () => deps.files,
    search: (query, limit) => {
      // The index follows the logs behind a watermark; whoever searches first brings it up to
      // date — here a few batches at most: a decision runs on the daemon's event loop.
      const { complete } = deps.searchIndex.catchUp(inDaemonBudget());
      return { hits: deps.searchIndex.search(query, limit), complete };
    },
  });
}

/** The same two tools over any memory source. */
export function memoryToolsOver(source: MemorySource): InvestigationTool[] {
  return [
    tool({
      name: 'memory_view',
      description:
        "vigil's memory folder: a file's text with line numbers, or a folder's listing. MEMORY.md is the index (already in your " +
        'context); topics/<slug>.md hold the facts with their sources. Paths as the memory tool takes them: "topics/ci.md" or "/memories/topics/ci.md".',
      input: z.object({ path: z.string().min(1).max(500).default('/memories').describe('a file or folder in the memory folder; default: the folder itself') }).strict(),
      run: async ({ path }) => runMemoryCommand(await source.files(), { command: 'view', path }),
    }),
    tool({
      name: 'memory_search',
      description:
        `Full-text search over every daily-log entry and stored event payload (all of the words; "word*" for a prefix): the best ${MAX_SEARCH_HITS} ` +
        'hits, each with its date, where it is (log date#seq or event id), its kind and a snippet. Use it to find what happened before.',
      input: z.object({ query: z.string().trim().min(1).max(200).describe('words to look for') }).strict(),
      run: async ({ query }) => {
        const { hits, complete } = await source.search(query, MAX_SEARCH_HITS);
        const behind = complete ? '' : '\n(the index is still catching up with the logs: the newest entries may be missing)';
        if (hits.length === 0) return `no matches for ${JSON.stringify(query)}${behind}`;
        return hits.map(hitLine).join('\n') + behind;
      },
    }),
  ];
}

function hitLine(hit: SearchHit): string {
  const snippet = hit.snippet.replace(/\s+/g, ' ').trim();
  return `${hit.date}  ${hit.ref}  ${hit.kind}: ${snippet.length > MAX_SNIPPET_CHARS ? `${snippet.slice(0, MAX_SNIPPET_CHARS - 1)}…` : snippet}`;
}
