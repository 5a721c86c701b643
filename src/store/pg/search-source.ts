/**
 * What a node-local search index of a team's memory reads from the database (issue 19):
 * the team's id (which names the index file), every chain's length, a chain's lines
 * after a seq, and the inbox after an id. Only reads; the index is derived and can be
 * thrown away (src/memory/team-search.ts).
 */
import type { Queryable } from './connect.js';

export interface ChainLength {
  node: string;
  day: string;
  seq: number;
}

export interface TeamEventText {
  id: number;
  kind: string;
  source: string;
  body: Buffer;
  receivedAt: number;
}

export async function teamId(db: Queryable): Promise<string> {
  return (await db.query<{ id: string }>('SELECT id FROM team LIMIT 1')).rows[0]!.id;
}

/** Every chain with its last seq, by day, then node. */
export async function chainLengths(db: Queryable): Promise<ChainLength[]> {
  return (await db.query<ChainLength>('SELECT node, day, max(seq) AS seq FROM log_entries GROUP BY node, day ORDER BY day, node')).rows;
}

/** Up to `limit` lines of one chain after `afterSeq`, in seq order. */
export async function chainLines(db: Queryable, node: string, day: string, afterSeq: number, limit: number): Promise<Array<{ seq: number; line: string }>> {
  return (await db.query<{ seq: number; line: string }>(
    'SELECT seq, line FROM log_entries WHERE node = $1 AND day = $2 AND seq > $3 ORDER BY seq LIMIT $4',
    [node, day, afterSeq, limit],
  )).rows;
}

export async function eventsAfter(db: Queryable, afterId: number, limit: number): Promise<TeamEventText[]> {
  const rows = (await db.query<{ id: number; kind: string; source: string; body: Buffer; received_at: number }>(
    'SELECT id, kind, source, body, received_at FROM inbox WHERE id > $1 ORDER BY id LIMIT $2',
    [afterId, limit],
  )).rows;
  return rows.map((r) => ({ id: r.id, kind: r.kind, source: r.source, body: r.body, receivedAt: r.received_at }));
}
