import { VigilError } from '../errors.js';
import type { Db } from './db.js';

/** One searchable text: a log entry, an event payload, or a line of an agent transcript. */
export interface SearchDocument {
  body: string;
  date: string;
  /** "log 2026-01-03#12", "event 41" or "agent <action id>". */
  ref: string;
  kind: string;
}

export interface SearchHit {
  date: string;
  /** "log 2026-01-03#12" or "event 41". */
  ref: string;
  kind: string;
  snippet: string;
  score: number;
}

/**
 * The memory's full-text index (table `memory_search`, SQLite FTS5). What goes in and
 * when is the memory room's business (src/memory/search.ts); the FTS dialect is here.
 */
export class SearchIndexTable {
  constructor(private readonly db: Db) {}

  /** Call inside the transaction that moves the watermark of what was indexed. */
  add(documents: readonly SearchDocument[]): void {
    if (documents.length === 0) return;
    const insert = this.db.prepare('INSERT INTO memory_search (body, date, ref, kind) VALUES (?, ?, ?, ?)');
    for (const d of documents) insert.run(d.body, d.date, d.ref, d.kind);
  }

  /**
   * Best matches first (bm25), every word of `query` required, among the newest
   * CANDIDATES entries that match. Ranking every match made a year's common words cost
   * ~300 ms (2 M entries, issue 18); FTS5 walks its matches newest first and stops at
   * the candidates, and only the hits shown get their snippet.
   */
  search(query: string, limit = 20): SearchHit[] {
    const match = toMatchQuery(query);
    const best = this.db
      .prepare(
        `SELECT id, score FROM (
           SELECT rowid AS id, bm25(memory_search) AS score FROM memory_search
           WHERE memory_search MATCH ? ORDER BY rowid DESC LIMIT ${SEARCH_CANDIDATES}
         ) ORDER BY score, id DESC LIMIT ?`,
      )
      .all(match, limit) as { id: number; score: number }[];
    if (best.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT rowid AS id, date, ref, kind, snippet(memory_search, 0, '[', ']', '…', 16) AS snippet
         FROM memory_search WHERE memory_search MATCH ? AND rowid IN (SELECT value FROM json_each(?))`,
      )
      .all(match, JSON.stringify(best.map((b) => b.id))) as (Omit<SearchHit, 'score'> & { id: number })[];
    const byId = new Map(rows.map(({ id, ...hit }) => [id, hit]));
    return best.flatMap(({ id, score }) => {
      const hit = byId.get(id);
      return hit ? [{ ...hit, score }] : [];
    });
  }
}

/** How many of the newest matching entries a search ranks (see `search`). */
export const SEARCH_CANDIDATES = 2000;

/** FTS5 query syntax would turn `foo-bar` or `"` into errors: search for the words, all of them. */
export function toMatchQuery(query: string): string {
  const words = query.match(/[\p{L}\p{N}_]+\*?/gu) ?? [];
  if (words.length === 0) throw new VigilError('VIGIL_ERR_USAGE', `nothing to search for in ${JSON.stringify(query)}`);
  return words.map((w) => (w.endsWith('*') ? `"${w.slice(0, -1)}"*` : `"${w}"`)).join(' ');
}
