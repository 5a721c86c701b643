/**
 * The file behind `vigil memory search` on a team's home (issue 19): this node's derived
 * FTS5 index of the team's log and inbox (`<home>/cache/team-search-<team id>.db`), with
 * the marks of what it holds — each chain's last seq indexed, the last event id. Not
 * state: it may be deleted at any time and is built again. Its SQL lives here, with the
 * store's (src/memory/team-search.ts decides what goes in).
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { SearchIndexTable, type SearchDocument, type SearchHit } from './search-index.js';

export class TeamSearchIndex {
  private readonly table: SearchIndexTable;
  private readonly logMarkOf: Database.Statement;
  private readonly setLogMark: Database.Statement;

  private constructor(private readonly db: Database.Database) {
    this.table = new SearchIndexTable(db);
    this.logMarkOf = db.prepare('SELECT seq FROM chain_marks WHERE node = ? AND day = ?').pluck();
    this.setLogMark = db.prepare('INSERT INTO chain_marks (node, day, seq) VALUES (?, ?, ?) ON CONFLICT (node, day) DO UPDATE SET seq = excluded.seq');
  }

  static open(file: string): TeamSearchIndex {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const db = new Database(file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      // The same table as SQLite's migration 005-memory-search, so the ranking is the same.
      db.exec(`
        CREATE VIRTUAL TABLE IF NOT EXISTS memory_search USING fts5(body, date UNINDEXED, ref UNINDEXED, kind UNINDEXED, tokenize = 'porter unicode61');
        CREATE TABLE IF NOT EXISTS chain_marks (node TEXT NOT NULL, day TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (node, day));
        CREATE TABLE IF NOT EXISTS event_mark (id INTEGER NOT NULL);
      `);
      return new TeamSearchIndex(db);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  /** The last seq of chain NODE/DAY indexed (0: none). */
  logMark(node: string, day: string): number {
    return (this.logMarkOf.get(node, day) as number | undefined) ?? 0;
  }

  /**
   * Adds a chain's lines after `from` up to `lastSeq`, unless another process moved the
   * mark meanwhile (then it indexed the same lines, and this batch is dropped).
   */
  addLogLines(node: string, day: string, from: number, lastSeq: number, docs: readonly SearchDocument[]): void {
    this.db
      .transaction(() => {
        if (this.logMark(node, day) !== from) return;
        this.table.add(docs);
        this.setLogMark.run(node, day, lastSeq);
      })
      .immediate();
  }

  /** The last event id indexed (0: none). */
  eventMark(): number {
    return (this.db.prepare('SELECT id FROM event_mark').pluck().get() as number | undefined) ?? 0;
  }

  /** Adds events after `from` up to `lastId`, unless another process moved the mark meanwhile. */
  addEvents(from: number, lastId: number, docs: readonly SearchDocument[]): void {
    this.db
      .transaction(() => {
        if (this.eventMark() !== from) return;
        this.table.add(docs);
        this.db.prepare('DELETE FROM event_mark').run();
        this.db.prepare('INSERT INTO event_mark (id) VALUES (?)').run(lastId);
      })
      .immediate();
  }

  search(query: string, limit: number): SearchHit[] {
    return this.table.search(query, limit);
  }

  close(): void {
    this.db.close();
  }
}
