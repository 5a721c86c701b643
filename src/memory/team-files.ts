import { VigilError } from '../errors.js';
import type { FileVersion } from './files.js';
import { renderIndex } from './index-file.js';
import { INDEX_FILE, TOPICS_DIR } from './names.js';
import { parseTopic } from './topics.js';

/** One row of a team's `memory_files` (src/store/pg/memory rows as the CLI reads them). */
export interface TeamMemoryRow {
  path: string;
  version: number;
  /** null: removed at this version. */
  content: string | null;
  writtenAt: number | null;
}

/** What `vigil memory show` and `history` read, from the home's folder (MemoryFiles) or a team's database. */
export interface MemoryReader {
  read(rel: string): string | undefined;
  versions(rel: string): FileVersion[];
  filesWithHistory(): string[];
}

/**
 * A team's memory (issue 19) as the home's folder would show it: a file is its newest
 * row (none when that row is a removal), and each older row is a kept version named as
 * `.history` names it — by when it was replaced, which is when the next row was written
 * (a second replacement in the same millisecond gets `-2`). So `vigil memory history`
 * names the same versions on a home and on the team it was migrated into. Read only.
 */
export class TeamMemoryView implements MemoryReader {
  private readonly byPath = new Map<string, TeamMemoryRow[]>();

  constructor(rows: readonly TeamMemoryRow[]) {
    for (const row of [...rows].sort((a, b) => a.version - b.version)) {
      const list = this.byPath.get(row.path);
      if (list) list.push(row);
      else this.byPath.set(row.path, [row]);
    }
  }

  read(rel: string): string | undefined {
    const rows = this.byPath.get(rel);
    return rows?.[rows.length - 1]?.content ?? undefined;
  }

  versions(rel: string): FileVersion[] {
    return this.named(rel).map(({ name, row, replacedAt }) => ({ version: name, replacedAt, bytes: Buffer.byteLength(row.content ?? '') }))
      .sort((a, b) => b.version.localeCompare(a.version));
  }

  filesWithHistory(): string[] {
    return [...this.byPath.keys()].filter((rel) => this.named(rel).length > 0).sort();
  }

  readVersion(rel: string, version: string): string {
    const found = this.named(rel).find((v) => v.name === version);
    if (!found) throw new VigilError('VIGIL_ERR_MEMORY_VERSION', `${rel} has no version ${version}`);
    return found.row.content ?? '';
  }

  /** Every row but the newest, with the name `.history` gives it. */
  private named(rel: string): Array<{ name: string; row: TeamMemoryRow; replacedAt: number }> {
    const rows = this.byPath.get(rel) ?? [];
    const taken = new Set<string>();
    const out: Array<{ name: string; row: TeamMemoryRow; replacedAt: number }> = [];
    for (let i = 0; i + 1 < rows.length; i++) {
      const row = rows[i]!;
      // A removal is not a version: nothing was kept of it.
      if (row.content === null) continue;
      const replacedAt = rows[i + 1]!.writtenAt ?? 0;
      const stamp = new Date(replacedAt).toISOString().replace(/[-:.]/g, '');
      let name = stamp;
      for (let n = 2; taken.has(name); n++) name = `${stamp}-${n}`;
      taken.add(name);
      out.push({ name, row, replacedAt });
    }
    return out;
  }
}

/**
 * `vigil memory history FILE --restore VERSION` on a team's home: the file back to that
 * version and, for a topic, the index rebuilt from the topics as they will then be — the
 * two files one write (src/store/pg/memory.ts), so no reader sees a topic restored under
 * an index that does not know it. Computed from the rows as the write's transaction reads them.
 */
export function teamRestoreChanges(rows: readonly TeamMemoryRow[], rel: string, version: string, today: string): Array<{ path: string; content: string }> {
  const view = new TeamMemoryView(rows);
  const content = view.readVersion(rel, version);
  const changes = [{ path: rel, content }];
  if (rel.startsWith(`${TOPICS_DIR}/`)) {
    // As readTopics lists the folder: the topic files directly in topics/, by name.
    const topicPaths = [...new Set([...rows.map((r) => r.path), rel])].filter((p) => /^topics\/[^/.][^/]*\.md$/.test(p)).sort();
    const topics = topicPaths.flatMap((p) => {
      const text = p === rel ? content : view.read(p);
      return text === undefined ? [] : [parseTopic(p.slice(TOPICS_DIR.length + 1, -3), text, today)];
    });
    changes.push({ path: INDEX_FILE, content: renderIndex(topics) });
  }
  return changes;
}
