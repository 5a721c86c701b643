/**
 * `vigil memory search` on a team's home (issue 19): the same full-text search as a
 * SQLite home's (the same documents, the same FTS5 index and ranking, src/memory/search.ts
 * and src/store/search-index.ts), over the team's log and inbox in PostgreSQL. The index
 * is derived, not state: a file of this node (`<home>/cache/team-search-<team id>.db`)
 * that follows the database behind marks — each chain's last seq indexed, the last event
 * id — and may be deleted at any time (it is built again). The database's team id names
 * it, so an index of another database is never read as this one's.
 *
 * A log entry's ref names its chain: `log NODE/DAY#SEQ` (as `vigil log verify` names a
 * chain `NODE/DAY`); an event's is `event ID` as on SQLite. Agent transcripts are not
 * indexed: a node runs no agent tasks yet, and `vigil migrate` does not copy them.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { localDate } from '../clock.js';
import type { LogEntry } from '../logs/index.js';
import { SearchIndexTable, type SearchDocument, type SearchHit, type TeamSearchSource } from '../store/index.js';
import { entryText, eventText } from './search.js';

const LINES_BATCH = 2000;
const EVENT_BATCH = 200;

type Db = Database.Database;

function openIndex(file: string): Db {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  // The same table as SQLite's migration 005-memory-search, so the ranking is the same.
  db.exec(`
    CREATE VIRTUAL TABLE IF NOT EXISTS memory_search USING fts5(body, date UNINDEXED, ref UNINDEXED, kind UNINDEXED, tokenize = 'porter unicode61');
    CREATE TABLE IF NOT EXISTS chain_marks (node TEXT NOT NULL, day TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (node, day));
    CREATE TABLE IF NOT EXISTS event_mark (id INTEGER NOT NULL);
  `);
  return db;
}

/** Brings this node's index up to date with the database, then searches it. */
export async function searchTeam(home: string, source: TeamSearchSource, query: string, limit: number): Promise<SearchHit[]> {
  const file = path.join(home, 'cache', `team-search-${await source.teamId()}.db`);
  const db = openIndex(file);
  try {
    const table = new SearchIndexTable(db);
    await catchUpLogs(db, table, source);
    await catchUpEvents(db, table, source);
    return table.search(query, limit);
  } finally {
    db.close();
  }
}

async function catchUpLogs(db: Db, table: SearchIndexTable, source: TeamSearchSource): Promise<void> {
  const markOf = db.prepare('SELECT seq FROM chain_marks WHERE node = ? AND day = ?').pluck();
  const setMark = db.prepare('INSERT INTO chain_marks (node, day, seq) VALUES (?, ?, ?) ON CONFLICT (node, day) DO UPDATE SET seq = excluded.seq');
  for (const chain of await source.chains()) {
    for (;;) {
      const mark = (markOf.get(chain.node, chain.day) as number | undefined) ?? 0;
      if (mark >= chain.seq) break;
      const lines = await source.chainLines(chain.node, chain.day, mark, LINES_BATCH);
      if (lines.length === 0) break;
      const docs = lines.map(({ line }): SearchDocument => {
        const entry = JSON.parse(line) as LogEntry;
        return { body: entryText(entry), date: chain.day, ref: `log ${chain.node}/${chain.day}#${entry.seq}`, kind: entry.type };
      });
      // Another process may have indexed the same lines meanwhile: then this batch is dropped.
      db.transaction(() => {
        if (((markOf.get(chain.node, chain.day) as number | undefined) ?? 0) !== mark) return;
        table.add(docs);
        setMark.run(chain.node, chain.day, lines[lines.length - 1]!.seq);
      }).immediate();
    }
  }
}

async function catchUpEvents(db: Db, table: SearchIndexTable, source: TeamSearchSource): Promise<void> {
  const markOf = () => (db.prepare('SELECT id FROM event_mark').pluck().get() as number | undefined) ?? 0;
  for (;;) {
    const mark = markOf();
    const rows = await source.eventsAfter(mark, EVENT_BATCH);
    if (rows.length === 0) return;
    const docs = rows.map((row): SearchDocument => ({
      body: eventText(row.kind, row.source, row.body.toString('utf8')),
      date: localDate(row.receivedAt),
      ref: `event ${row.id}`,
      kind: row.kind,
    }));
    db.transaction(() => {
      if (markOf() !== mark) return;
      table.add(docs);
      db.prepare('DELETE FROM event_mark').run();
      db.prepare('INSERT INTO event_mark (id) VALUES (?)').run(rows[rows.length - 1]!.id);
    }).immediate();
  }
}
