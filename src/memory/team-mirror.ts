/**
 * What a decision's memory tools read on a team's node (issue 19): the team's memory lives
 * in PostgreSQL (`memory_files`), and the node's `memory_view` reads it through the home's
 * own memory tool — its path boundary, its listings, its line numbers — over a node-local
 * copy (`<home>/cache/team-memory-<team id>/`) written from the database's newest version
 * of each file before each view. Derived, not state, like the search index beside it:
 * deleting it costs one copy. `memory_search` is `vigil memory search`'s node-local index
 * of the team's log and inbox (team-search.ts), caught up before the search.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SearchHit, TeamSearchSource } from '../store/index.js';
import { MemoryFiles } from './files.js';
import { searchTeam } from './team-search.js';

/** What the copy and the search read from the team's database (PgStore). */
export interface TeamMemoryStore {
  /** Every file's newest content (removed files absent). */
  memoryHeads(): Promise<Array<{ path: string; content: string }>>;
  searchSource(): TeamSearchSource;
}

/** The memory tools' source (src/investigate/memory.ts, MemorySource) on a team's node. */
export function teamMemorySource(home: string, store: TeamMemoryStore): {
  files(): Promise<MemoryFiles>;
  search(query: string, limit: number): Promise<{ hits: SearchHit[]; complete: boolean }>;
} {
  return {
    files: async () => {
      const [teamId, heads] = await Promise.all([store.searchSource().teamId(), store.memoryHeads()]);
      return mirrorTeamMemory(path.join(home, 'cache', `team-memory-${teamId}`), heads);
    },
    search: async (query, limit) => ({ hits: await searchTeam(home, store.searchSource(), query, limit), complete: true }),
  };
}

/**
 * Makes `root` hold exactly `heads`, synchronously (no view on this node reads it half
 * written), rewriting only the files that changed. A path the database's CHECK let
 * through is still confined here: one that would land outside `root` is skipped.
 */
export function mirrorTeamMemory(root: string, heads: ReadonlyArray<{ path: string; content: string }>): MemoryFiles {
  const base = path.resolve(root);
  fs.mkdirSync(base, { recursive: true });
  const wanted = new Map<string, string>();
  for (const head of heads) {
    const abs = path.resolve(base, ...head.path.split('/'));
    if (abs.startsWith(base + path.sep)) wanted.set(abs, head.content);
  }
  for (const abs of filesUnder(base)) if (!wanted.has(abs)) fs.rmSync(abs, { force: true });
  for (const [abs, content] of wanted) {
    if (readOrUndefined(abs) === content) continue;
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    // Hidden while written: the memory tool never shows a dot-name.
    const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.tmp`);
    fs.writeFileSync(tmp, content);
    fs.renameSync(tmp, abs);
  }
  return new MemoryFiles(base);
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const abs = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(abs) : [abs];
  });
}

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
