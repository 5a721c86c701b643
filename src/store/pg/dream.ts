/**
 * What a team's dreamer reads and writes (issue 19), its SQL kept here. The dream reads
 * the log's chains behind per-node marks (the last day and seq of each node's chain it
 * took in: a node's appends queue on one lock, so seq order is commit order and nothing
 * lands behind a mark), the event payloads from the inbox, and memory from
 * `memory_files`; it commits its memory, its marks (`dream_state`, pg-005) and its
 * `dream.finished` line in one transaction (`writePgMemory`), so a dreamer killed
 * before the commit leaves memory and marks wholly as they were.
 */
import type pg from 'pg';
import { VigilError } from '../../errors.js';
import type { LogEntry, LogRecord } from '../../logs/index.js';
import type { AnsweredApproval } from '../owner-answers.js';
import { ADVISORY_CLASS, ROLES } from './advisory.js';
import { withTransaction, type Queryable } from './connect.js';
import type { PgLog } from './log.js';
import { readPgMemoryRows, writePgMemory, type PgMemoryChange, type PgMemoryRow } from './memory.js';
import { roleHolders } from './roles.js';

/** Where a node's chain was last read: its day and the seq of the last line taken in. */
export interface ChainMark {
  day: string;
  seq: number;
}

/** Per node. */
export type DreamMarks = Record<string, ChainMark>;

export interface TeamDreamState {
  marks: DreamMarks;
  lastDreamAt: number | null;
  lastDreamId: string | null;
  dreamedBy: string | null;
  lastFailedAt: number | null;
  lastFailure: string | null;
  /** The owner's `vigil dream --now` that waits for the dreamer role's holder, if any. */
  requestedId: string | null;
}

/** A dream under way: who dreams it, and since when. */
export interface TeamDreaming {
  dreamId: string;
  node: string;
  pid: number;
  since: number;
}

/** Who dreams: the node and process, and the backend holding the dreamer role for it (PgRoles.backendOf). */
export interface DreamHolder {
  pid: number;
  backend: number;
}

/** A line of a chain, after the marks. */
export interface MarkedLine {
  node: string;
  day: string;
  seq: number;
  line: string;
}

/** What a dream commits beside its memory. */
export interface DreamCommit {
  dreamId: string;
  /** The `last_dream_id` the dream started from: another dream committed since means this one's reading is stale. */
  after: string | null;
  marks: DreamMarks;
  records: LogRecord[];
  /** Rows written in the commit's transaction besides memory (the digest's action), with their lines. */
  stage?: (client: pg.PoolClient) => Promise<LogRecord[]>;
}

interface StateRow {
  marks: DreamMarks;
  last_dream_at: number | null;
  last_dream_id: string | null;
  dreamed_by: string | null;
  last_failed_at: number | null;
  last_failure: string | null;
  requested_id: string | null;
}

/** The chains' lines after the marks: a node without a mark from its first line. */
const AFTER_MARKS = `FROM log_entries e LEFT JOIN jsonb_each($1::jsonb) AS m(node, mark) ON m.node = e.node
  WHERE m.node IS NULL OR e.day > m.mark->>'day' OR (e.day = m.mark->>'day' AND e.seq > (m.mark->>'seq')::bigint)`;

/**
 * What the end of dream $3 clears: its record as the dream under way, and the owner's
 * request it answered (a request made meanwhile stays for the next).
 */
const ENDED = `dreaming_id = CASE WHEN dreaming_id = $3 THEN NULL ELSE dreaming_id END,
  dreaming_backend = CASE WHEN dreaming_id = $3 THEN NULL ELSE dreaming_backend END,
  requested_id = CASE WHEN requested_id = $3 THEN NULL ELSE requested_id END`;

export class PgDreams {
  constructor(
    private readonly pool: pg.Pool,
    private readonly node: string,
    private readonly log: PgLog,
  ) {}

  async state(db: Queryable = this.pool): Promise<TeamDreamState> {
    const row = (await db.query<StateRow>('SELECT * FROM dream_state WHERE id = 1')).rows[0];
    return {
      marks: row?.marks ?? {},
      lastDreamAt: row?.last_dream_at ?? null,
      lastDreamId: row?.last_dream_id ?? null,
      dreamedBy: row?.dreamed_by ?? null,
      lastFailedAt: row?.last_failed_at ?? null,
      lastFailure: row?.last_failure ?? null,
      requestedId: row?.requested_id ?? null,
    };
  }

  /**
   * The dream under way, if any: the one `dream_state` names whose backend still holds
   * the dreamer role. A dreamer killed mid-dream leaves its row, but its lock went with
   * its connection: that dream is over.
   */
  async dreaming(db: Queryable = this.pool): Promise<TeamDreaming | undefined> {
    const { rows } = await db.query<{ dreaming_id: string; dreaming_node: string; dreaming_pid: number; dreaming_since: string }>(
      `SELECT d.dreaming_id, d.dreaming_node, d.dreaming_pid, d.dreaming_since FROM dream_state d
       WHERE d.id = 1 AND d.dreaming_id IS NOT NULL AND EXISTS (
         SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.objsubid = 2 AND l.granted AND l.pid = d.dreaming_backend)`,
      [ADVISORY_CLASS, ROLES.dreamer],
    );
    const row = rows[0];
    return row ? { dreamId: row.dreaming_id, node: row.dreaming_node, pid: row.dreaming_pid, since: Number(row.dreaming_since) } : undefined;
  }

  /** The node holding the dreamer role now (from pg_locks: whoever holds it, this process or not), if any. */
  async dreamer(): Promise<string | undefined> {
    return (await roleHolders(this.pool)).find((h) => h.role === 'dreamer')?.node;
  }

  /**
   * The owner asks for a dream (\`vigil dream --now\` through a node that does not hold the
   * dreamer role): the holder dreams it at its next look, as \`dreamId\`. A request already
   * waiting is the one dream asked for: its id is returned.
   */
  async request(dreamId: string, now: number): Promise<string> {
    const { rows } = await this.pool.query<{ requested_id: string }>(
      `UPDATE dream_state SET requested_id = coalesce(requested_id, $1),
         requested_by = CASE WHEN requested_id IS NULL THEN $2 ELSE requested_by END,
         requested_at = CASE WHEN requested_id IS NULL THEN $3 ELSE requested_at END
       WHERE id = 1 RETURNING requested_id`,
      [dreamId, this.node, now],
    );
    return rows[0]!.requested_id;
  }

  /** A dream begins: who dreams it, with its \`dream.started\` line, in one transaction. */
  started(now: number, dreamId: string, holder: DreamHolder | undefined, records: LogRecord[]): Promise<void> {
    return withTransaction(this.pool, async (client) => {
      if (holder) {
        await client.query(
          'UPDATE dream_state SET dreaming_id = $1, dreaming_node = $2, dreaming_pid = $3, dreaming_since = $4, dreaming_backend = $5 WHERE id = 1',
          [dreamId, this.node, holder.pid, now, holder.backend],
        );
      }
      await this.log.append(client, records);
    });
  }

  /** The end of dream `dreamId` (its \`dream.finished\` or \`dream.failed\` line, on whichever chain), looked for from `fromDay` on. */
  async ended(dreamId: string, fromDay: string): Promise<LogRecord | undefined> {
    const { rows } = await this.pool.query<{ line: string }>(
      `SELECT line FROM log_entries WHERE day >= $2 AND type IN ('dream.finished', 'dream.failed') AND line::jsonb->>'dreamId' = $1 LIMIT 1`,
      [dreamId, fromDay],
    );
    return rows[0] ? (JSON.parse(rows[0].line) as LogRecord) : undefined;
  }

  /**
   * The newest `dream.*` line of any chain since `since` (the Tasks page's dream, as the
   * single daemon reads today's and yesterday's log), with the chain it is on.
   */
  async lastRecord(since: number): Promise<{ node: string; entry: LogEntry } | undefined> {
    const { rows } = await this.pool.query<{ node: string; line: string }>(
      `SELECT node, line FROM log_entries WHERE ts >= to_timestamp($1::double precision / 1000)
         AND type IN ('dream.started', 'dream.finished', 'dream.failed') ORDER BY ts DESC, node, seq DESC LIMIT 1`,
      [since],
    );
    const row = rows[0];
    return row ? { node: row.node, entry: JSON.parse(row.line) as LogEntry } : undefined;
  }

  /** At most `limit` lines after the marks, each chain in its own order (node, day, seq). */
  async linesSince(marks: DreamMarks, limit: number): Promise<MarkedLine[]> {
    return (await this.pool.query<MarkedLine>(
      `SELECT e.node, e.day, e.seq, e.line ${AFTER_MARKS} ORDER BY e.node, e.day, e.seq LIMIT $2`,
      [JSON.stringify(marks), limit],
    )).rows;
  }

  /** Lines after the marks whose type does not match `housekeeping` (a POSIX regex), counted up to `atMost`. */
  async newsSince(marks: DreamMarks, housekeeping: string, atMost: number): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 ${AFTER_MARKS} AND e.type !~ $2 LIMIT $3) news`,
      [JSON.stringify(marks), housekeeping, atMost],
    );
    return rows[0]?.n ?? 0;
  }

  /** The bodies of these inbox events (an id the inbox no longer has is left out). */
  async bodies(ids: readonly number[]): Promise<Map<number, Buffer>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ id: number; body: Buffer }>('SELECT id, body FROM inbox WHERE id = ANY($1::bigint[])', [ids]);
    return new Map(rows.map((r) => [r.id, r.body]));
  }

  /** When the last event that is not a tick arrived: the team's last sign of life. */
  async lastActivityAt(): Promise<number | null> {
    const { rows } = await this.pool.query<{ at: number | null }>(`SELECT max(received_at) AS at FROM inbox WHERE source <> 'tick'`);
    return rows[0]?.at ?? null;
  }

  memory(): Promise<PgMemoryRow[]> {
    return readPgMemoryRows(this.pool);
  }

  /**
   * Every answer the owner gave about an action on a repository, oldest first, as a
   * home's `OwnerAnswers.all()` reads them: `answered_at` is set only by the owner's
   * answer (any node's page, link or CLI), never by the policy or an expiry.
   */
  async ownerAnswers(): Promise<AnsweredApproval[]> {
    const { rows } = await this.pool.query<{ id: string; action: string; repo: string; state: string; answered_at: string | number; answer_reason: string | null }>(
      `SELECT id, action, repo, state, answered_at, answer_reason FROM actions
       WHERE answered_at IS NOT NULL AND repo IS NOT NULL ORDER BY answered_at, id`,
    );
    return rows.map((r) => ({
      actionId: r.id,
      action: r.action,
      repo: r.repo,
      answer: r.state === 'denied' ? 'denied' : 'approved',
      answeredAt: Number(r.answered_at),
      reason: r.answer_reason,
    }));
  }

  /**
   * The dream's memory, its marks and its log lines in one transaction. Refused
   * (VIGIL_ERR_DREAM_BUSY, nothing written) when another dream committed after this one
   * read the state: two nodes that each believed they held the role never both apply it.
   */
  commit(now: number, changes: (rows: PgMemoryRow[]) => PgMemoryChange[], commit: DreamCommit): Promise<string[]> {
    return writePgMemory(this.pool, this.node, now, changes, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE dream_state SET marks = $1::jsonb, last_dream_at = $2, last_dream_id = $3, dreamed_by = $4, ${ENDED}
         WHERE id = 1 AND last_dream_id IS NOT DISTINCT FROM $5`,
        [JSON.stringify(commit.marks), now, commit.dreamId, this.node, commit.after],
      );
      if (rowCount !== 1) throw new VigilError('VIGIL_ERR_DREAM_BUSY', `another dream committed since dream ${commit.dreamId} began`);
      const staged = commit.stage ? await commit.stage(client) : [];
      await this.log.append(client, [...commit.records, ...staged]);
    });
  }

  /** A dream that failed: its reason, and its line on this node's chain, together. */
  failed(now: number, dreamId: string, reason: string, records: LogRecord[]): Promise<void> {
    return withTransaction(this.pool, async (client) => {
      await client.query(`UPDATE dream_state SET last_failed_at = $1, last_failure = $2, ${ENDED} WHERE id = 1`, [now, reason, dreamId]);
      await this.log.append(client, records);
    });
  }
}
