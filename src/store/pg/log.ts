/**
 * The team store's log (issue 19): one hash-chained chain per node and local day, each
 * row holding a line exactly as src/logs formats it (same genesis, same hash, same caps
 * and secret masks), so a chain verifies with src/logs' own check and a daily file can be
 * copied in with its chain intact. The table refuses UPDATE, DELETE and TRUNCATE itself
 * (a trigger, migration pg-001); this module only ever INSERTs.
 */
import type pg from 'pg';
import { localDate, type Clock } from '../../clock.js';
import { chainRecords, chainStart, verifyChainLines, type ChainHead, type LogEntry, type LogRecord, type VerifyResult } from '../../logs/index.js';
import type { SecretMask } from '../../secrets/index.js';
import { checkNodeName, type Queryable } from './connect.js';

interface HeadRow {
  seq: number;
  hash: string;
}

interface LineRow {
  node: string;
  day: string;
  seq: number;
  line: string;
  hash: string;
}

export interface ChainVerifyResult extends VerifyResult {
  node: string;
  day: string;
}

export class PgLog {
  constructor(
    private readonly node: string,
    private readonly clock: Clock,
    private readonly mask: () => SecretMask,
  ) {
    checkNodeName(node);
  }

  /**
   * Appends `records` to this node's chain of today (by the clock) inside the caller's
   * transaction `client`, so they commit or vanish with the rows they describe. Appends
   * of one node queue on a transaction-scoped advisory lock: two of its processes cannot
   * both chain onto the same head.
   */
  async append(client: pg.PoolClient, records: LogRecord[]): Promise<LogEntry[]> {
    if (records.length === 0) return [];
    const now = this.clock.now();
    const day = localDate(now);
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended('vigil-log:' || $1, 0))`, [this.node]);
    const chained = chainRecords({ head: await this.head(client, day), records, now, mask: this.mask() });
    await client.query(
      `INSERT INTO log_entries (node, day, seq, ts, type, line, hash)
       SELECT $1, $2, e.seq, e.ts, e.type, e.line, e.hash
       FROM unnest($3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[]) AS e(seq, ts, type, line, hash)`,
      [
        this.node,
        day,
        chained.entries.map((e) => e.seq),
        chained.entries.map((e) => e.ts),
        chained.entries.map((e) => e.type),
        chained.lines,
        chained.entries.map((e) => e.hash),
      ],
    );
    return chained.entries;
  }

  private async head(client: pg.PoolClient, day: string): Promise<ChainHead> {
    const row = (await client.query<HeadRow>(
      'SELECT seq, hash FROM log_entries WHERE node = $1 AND day = $2 ORDER BY seq DESC LIMIT 1',
      [this.node, day],
    )).rows[0];
    return row ? { seq: row.seq, last: row.hash } : chainStart(day);
  }
}

/**
 * Checks every chain (or one node's): each line's own hash, its link to the line before
 * (or the day's genesis), seq continuity — src/logs' check, line by line — and that the
 * row's own columns say what its line says (an edited `seq` or `hash` column shows too).
 * Chains are read one at a time, in seq order.
 */
export async function verifyPgLog(db: Queryable, node?: string, day?: string): Promise<ChainVerifyResult[]> {
  const chains = (await db.query<{ node: string; day: string }>(
    `SELECT DISTINCT node, day FROM log_entries WHERE ($1::text IS NULL OR node = $1) AND ($2::text IS NULL OR day = $2) ORDER BY node, day`,
    [node ?? null, day ?? null],
  )).rows;
  const results: ChainVerifyResult[] = [];
  for (const chain of chains) {
    const rows = (await db.query<LineRow>(
      'SELECT node, day, seq, line, hash FROM log_entries WHERE node = $1 AND day = $2 ORDER BY seq',
      [chain.node, chain.day],
    )).rows;
    results.push({ ...verifyRows(chain.node, chain.day, rows), node: chain.node, day: chain.day });
  }
  return results;
}

function verifyRows(node: string, day: string, rows: LineRow[]): VerifyResult {
  const name = `log_entries ${node} ${day}`;
  const lines: Buffer[] = [];
  for (const [i, row] of rows.entries()) {
    if (!row.line.endsWith('\n')) return bad(name, i + 1, 'the line does not end in a newline');
    lines.push(Buffer.from(row.line.slice(0, -1), 'utf8'));
  }
  const result = verifyChainLines(name, day, { lines, partial: null });
  if (!result.ok) return result;
  // The chain is sound line by line; now the columns the database indexes must agree.
  for (const [i, row] of rows.entries()) {
    const entry = JSON.parse(row.line) as LogEntry;
    if (entry.seq !== row.seq || entry.hash !== row.hash) return bad(name, i + 1, 'the row\'s seq or hash column disagrees with its line');
  }
  return result;
}

function bad(name: string, line: number, reason: string): VerifyResult {
  return { file: name, ok: false, entries: line - 1, torn: [], tornTail: false, firstBad: { line, reason } };
}

/** Every node's entries between two times, merged by time (then node, then seq). */
export async function readPgLog(db: Queryable, fromMs: number, toMs: number): Promise<Array<LogEntry & { node: string }>> {
  const rows = (await db.query<{ node: string; line: string }>(
    `SELECT node, line FROM log_entries WHERE ts >= to_timestamp($1 / 1000.0) AND ts < to_timestamp($2 / 1000.0)
     ORDER BY ts, node, day, seq`,
    [fromMs, toMs],
  )).rows;
  return rows.map((r) => ({ ...(JSON.parse(r.line) as LogEntry), node: r.node }));
}

/**
 * The newest `limit` entries of these types across every node, oldest first: a decision's
 * recent activity (src/initiative/activity.ts), the team's as one log. By time, then
 * node and seq: a reader needs no chain order for a few lines.
 */
export async function recentPgLogEntries(db: Queryable, types: readonly string[], limit: number): Promise<Array<LogEntry & { node: string }>> {
  const rows = (await db.query<{ node: string; line: string }>(
    `SELECT node, line FROM log_entries WHERE type = ANY($1::text[]) ORDER BY ts DESC, node DESC, day DESC, seq DESC LIMIT $2`,
    [types, limit],
  )).rows;
  return rows.reverse().map((r) => ({ ...(JSON.parse(r.line) as LogEntry), node: r.node }));
}

/**
 * One local day of every node's chain (each node's own day), merged by time: each chain
 * stays in its own order (seq) — its writers' clocks may step back a little between
 * processes, and a chain read out of order would not read as the day it was — and the
 * chains interleave by the time of their next entry (then node).
 */
export async function readPgLogDay(db: Queryable, day: string): Promise<Array<LogEntry & { node: string }>> {
  const rows = (await db.query<{ node: string; line: string; ms: number }>(
    `SELECT node, line, (extract(epoch from ts) * 1000)::bigint AS ms FROM log_entries WHERE day = $1 ORDER BY node, seq`,
    [day],
  )).rows;
  return mergeRows(rows, (r) => r.node).map((r) => ({ node: r.node, ...(JSON.parse(r.line) as LogEntry) }));
}

/**
 * The record `seq` of chain `node`/`day` (the dashboard's record page), or, without a node,
 * that record of every node's chain of the day (an address a home's memory gave, before
 * the records had a node): by node.
 */
export async function readPgLogRecords(db: Queryable, day: string, seq: number, node?: string): Promise<Array<{ node: string; entry: LogEntry }>> {
  const rows = node !== undefined
    ? (await db.query<{ node: string; line: string }>('SELECT node, line FROM log_entries WHERE node = $1 AND day = $2 AND seq = $3', [node, day, seq])).rows
    : // Each chain's name read from the primary key one node at a time (a loose index scan), then
      // its record by the key: the table is never read whole, however long the team's history.
      (await db.query<{ node: string; line: string }>(
        `WITH RECURSIVE chains(node) AS (
           SELECT min(node) FROM log_entries
           UNION ALL
           SELECT (SELECT min(l.node) FROM log_entries l WHERE l.node > chains.node) FROM chains WHERE chains.node IS NOT NULL
         )
         SELECT l.node, l.line FROM chains JOIN log_entries l ON l.node = chains.node AND l.day = $1 AND l.seq = $2 ORDER BY l.node`,
        [day, seq],
      )).rows;
  return rows.map((r) => ({ node: r.node, entry: JSON.parse(r.line) as LogEntry }));
}

/** Every chain's node, read from the primary key one node at a time (a loose index scan): the table is never read whole. */
const CHAIN_NODES = `WITH RECURSIVE chains(node) AS (
    SELECT min(node) FROM log_entries
    UNION ALL
    SELECT (SELECT min(l.node) FROM log_entries l WHERE l.node > chains.node) FROM chains WHERE chains.node IS NOT NULL
  )`;

/**
 * The newest `limit` entries of one local day across every node's chain, merged by time
 * as readPgLogDay merges them (the dashboard's timeline on a node): each chain's newest by
 * its key, so a load costs what it shows, not the day's size.
 */
export async function readPgLogDayTail(db: Queryable, day: string, limit: number): Promise<Array<LogEntry & { node: string }>> {
  const rows = (await db.query<{ node: string; line: string; ms: number }>(
    `${CHAIN_NODES}
     SELECT t.node, t.line, t.ms FROM chains
     CROSS JOIN LATERAL (
       SELECT l.node, l.seq, l.line, (extract(epoch from l.ts) * 1000)::bigint AS ms FROM log_entries l
       WHERE l.node = chains.node AND l.day = $1 ORDER BY l.seq DESC LIMIT $2
     ) t
     ORDER BY t.node, t.seq`,
    [day, limit],
  )).rows;
  return mergeRows(rows, (r) => r.node).slice(-limit).map((r) => ({ node: r.node, ...(JSON.parse(r.line) as LogEntry) }));
}

/** One local day's entries of these types across every chain, in no particular order (the Activity page counts them). */
export async function readPgLogDayOfTypes(db: Queryable, day: string, types: readonly string[]): Promise<LogEntry[]> {
  const rows = (await db.query<{ line: string }>(`SELECT line FROM log_entries WHERE day = $1 AND type = ANY($2::text[])`, [day, types])).rows;
  return rows.map((r) => JSON.parse(r.line) as LogEntry);
}

/** The oldest day any chain has (the timeline's date picker's lower bound), by the key: one lookup per node. */
export async function firstPgLogDay(db: Queryable): Promise<string | undefined> {
  const row = (await db.query<{ day: string | null }>(
    `${CHAIN_NODES}
     SELECT min(first.day) AS day FROM (
       SELECT (SELECT min(l.day) FROM log_entries l WHERE l.node = chains.node) AS day FROM chains WHERE chains.node IS NOT NULL
     ) first`,
  )).rows[0];
  return row?.day ?? undefined;
}

/** Where a reader is in one node's chain of one day: the last seq it read. */
export interface ChainCursor {
  node: string;
  day: string;
  seq: number;
}

/** How many entries one read returns at most; the rest comes with the next. */
const AFTER_LIMIT = 5000;

/**
 * The entries of these days' chains past each chain's cursor (a chain without one from its
 * first entry), the chains merged by time as readPgLogDay merges them: what `vigil log
 * --follow` prints next. Each comes with its chain (node and day), to move the cursor on.
 */
export async function readPgLogAfter(db: Queryable, days: readonly string[], cursors: readonly ChainCursor[]): Promise<Array<{ node: string; day: string; entry: LogEntry }>> {
  const rows = (await db.query<{ node: string; day: string; line: string; ms: number }>(
    `SELECT l.node, l.day, l.line, (extract(epoch from l.ts) * 1000)::bigint AS ms
     FROM log_entries l
     LEFT JOIN unnest($2::text[], $3::text[], $4::bigint[]) AS c(node, day, seq) ON c.node = l.node AND c.day = l.day
     WHERE l.day = ANY($1::text[]) AND l.seq > COALESCE(c.seq, 0)
     ORDER BY l.node, l.day, l.seq LIMIT ${AFTER_LIMIT}`,
    [days, cursors.map((c) => c.node), cursors.map((c) => c.day), cursors.map((c) => c.seq)],
  )).rows;
  return mergeRows(rows, (r) => `${r.node}\u0000${r.day}`).map((r) => ({ node: r.node, day: r.day, entry: JSON.parse(r.line) as LogEntry }));
}

/** The last seq of every chain of these days: a follower starts after them. */
export async function pgLogHeads(db: Queryable, days: readonly string[]): Promise<ChainCursor[]> {
  return (await db.query<ChainCursor>(`SELECT node, day, max(seq) AS seq FROM log_entries WHERE day = ANY($1::text[]) GROUP BY node, day`, [days])).rows;
}

/** Rows in their chains' order (`chainOf` names a row's chain), the chains merged as mergeChains merges them. */
function mergeRows<R extends { node: string; ms: number }>(rows: readonly R[], chainOf: (row: R) => string): R[] {
  const chains = new Map<string, R[]>();
  for (const row of rows) {
    const chain = chains.get(chainOf(row));
    if (chain) chain.push(row);
    else chains.set(chainOf(row), [row]);
  }
  return mergeChains([...chains.values()]);
}

/** A k-way merge of chains each in its own order: the earliest next entry first (then the node's name). */
function mergeChains<R extends { node: string; ms: number }>(chains: R[][]): R[] {
  const at = chains.map(() => 0);
  const out: R[] = [];
  for (;;) {
    let best = -1;
    for (let i = 0; i < chains.length; i++) {
      const next = chains[i]![at[i]!];
      if (!next) continue;
      const current = best < 0 ? undefined : chains[best]![at[best]!]!;
      if (!current || next.ms < current.ms || (next.ms === current.ms && next.node < current.node)) best = i;
    }
    if (best < 0) return out;
    out.push(chains[best]![at[best]!]!);
    at[best]!++;
  }
}
