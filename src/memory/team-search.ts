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
import path from 'node:path';
import { localDate } from '../clock.js';
import type { LogEntry } from '../logs/index.js';
import { TeamSearchIndex, type SearchDocument, type SearchHit, type TeamSearchSource } from '../store/index.js';
import { entryText, eventText } from './search.js';

const LINES_BATCH = 2000;
const EVENT_BATCH = 200;

/** Brings this node's index up to date with the database, then searches it. */
export async function searchTeam(home: string, source: TeamSearchSource, query: string, limit: number): Promise<SearchHit[]> {
  const index = TeamSearchIndex.open(path.join(home, 'cache', `team-search-${await source.teamId()}.db`));
  try {
    await catchUpLogs(index, source);
    await catchUpEvents(index, source);
    return index.search(query, limit);
  } finally {
    index.close();
  }
}

async function catchUpLogs(index: TeamSearchIndex, source: TeamSearchSource): Promise<void> {
  for (const chain of await source.chains()) {
    for (;;) {
      const mark = index.logMark(chain.node, chain.day);
      if (mark >= chain.seq) break;
      const lines = await source.chainLines(chain.node, chain.day, mark, LINES_BATCH);
      if (lines.length === 0) break;
      const docs = lines.map(({ line }): SearchDocument => {
        const entry = JSON.parse(line) as LogEntry;
        return { body: entryText(entry), date: chain.day, ref: `log ${chain.node}/${chain.day}#${entry.seq}`, kind: entry.type };
      });
      index.addLogLines(chain.node, chain.day, mark, lines[lines.length - 1]!.seq, docs);
    }
  }
}

async function catchUpEvents(index: TeamSearchIndex, source: TeamSearchSource): Promise<void> {
  for (;;) {
    const mark = index.eventMark();
    const rows = await source.eventsAfter(mark, EVENT_BATCH);
    if (rows.length === 0) return;
    const docs = rows.map((row): SearchDocument => ({
      body: eventText(row.kind, row.source, row.body.toString('utf8')),
      date: localDate(row.receivedAt),
      ref: `event ${row.id}`,
      kind: row.kind,
    }));
    index.addEvents(mark, rows[rows.length - 1]!.id, docs);
  }
}
