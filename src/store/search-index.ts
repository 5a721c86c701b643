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

  /** Best matches first (bm25), every word of `query` required. */
  search(query: string, limit = 20): SearchHit[] {
    return this.db
      .prepare(
        `SELECT date, ref, kind, snippet(memory_search, 0, '[', ']', '…', 16) AS snippet, bm25(memory_search) AS score
         FROM memory_search WHERE memory_search MATCH ? ORDER BY rank LIMIT ?`,
      )
      .all(toMatchQuery(query), limit) as SearchHit[];
  }
}

/** FTS5 query syntax would turn `foo-bar` or `"` into errors: search for the words, all of them. */
export function toMatchQuery(query: string): string {
  const words = query.match(/[\p{L}\p{N}_]+\*?/gu) ?? [];
  if (words.length === 0) throw new VigilError('VIGIL_ERR_USAGE', `nothing to search for in ${JSON.stringify(query)}`);
  return words.map((w) => (w.endsWith('*') ? `"${w.slice(0, -1)}"*` : `"${w}"`)).join(' ');
}
