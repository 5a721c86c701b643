/**
 * What a node's Tasks page reads of the team's database (issue 19): the newest agent
 * tasks whichever node's worker runs them, what each spent (the usage ledger's rows that
 * name the task, pg-024), and which node ran each (the `action.started` line its worker
 * committed with its claim, on that node's chain). Read-only: the workers write them.
 */
import type { UsageTokens } from '../usage-ledger.js';
import type { PgActionState } from './actions.js';
import type { Queryable } from './connect.js';

/** How far a node's clock may be from another's (their lines' times against an action's row). */
const CLOCK_SLACK_MS = 60_000;

export interface PgAgentTask {
  id: string;
  eventId: number | null;
  params: unknown;
  state: PgActionState;
  createdAt: number;
  updatedAt: number;
  /** Claims so far: a second one means a node took over a task whose worker stopped. */
  attempts: number;
  /** The node whose worker holds it now (while it runs). */
  heldBy: string | null;
  result: unknown;
  error: string | null;
  /** `vigil cancel` asked it to stop, and its worker has not cleared the flag yet. */
  cancelRequested: boolean;
}

/** A task's model calls as the ledger has them, per model (its turns: one call each). */
export interface PgTaskUsage {
  calls: number;
  byModel: Map<string, UsageTokens>;
}

/** The run of a task that claimed it last: the node, and when its worker claimed it. */
export interface PgTaskRun {
  node: string;
  startedAt: number;
}

interface Row {
  id: string;
  event_id: string | number | null;
  params: string;
  state: PgActionState;
  created_at: string | number;
  updated_at: string | number;
  attempts: number;
  claimed_by: string | null;
  result: string | null;
  error: string | null;
  cancel_requested: boolean;
}

const COLUMNS = 'id, event_id, params, state, created_at, updated_at, attempts, claimed_by, result, error, cancel_requested_at IS NOT NULL AS cancel_requested';

const toTask = (r: Row): PgAgentTask => ({
  id: r.id,
  eventId: r.event_id === null ? null : Number(r.event_id),
  params: JSON.parse(r.params) as unknown,
  state: r.state,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  attempts: r.attempts,
  // A worker holds as `<node>:w<pid>` (nodes.ts workerHolder); a node name has no `:`.
  heldBy: r.claimed_by === null ? null : (r.claimed_by.split(':')[0] ?? null),
  result: r.result === null ? null : (JSON.parse(r.result) as unknown),
  error: r.error,
  cancelRequested: r.cancel_requested,
});

/** The states the page shows, as the single daemon's (an approval not given is the approvals' business). */
const SHOWN = `state IN ('approved', 'running', 'succeeded', 'failed')`;

export class PgAgentTasks {
  constructor(private readonly db: Queryable) {}

  /** The newest `limit` agent tasks, newest first (index actions_agent_tasks). */
  async recent(limit: number): Promise<PgAgentTask[]> {
    const { rows } = await this.db.query<Row>(`SELECT ${COLUMNS} FROM actions WHERE action = 'agent.task' AND ${SHOWN} ORDER BY created_at DESC, id DESC LIMIT $1`, [limit]);
    return rows.map(toTask);
  }

  async get(id: string): Promise<PgAgentTask | undefined> {
    const row = (await this.db.query<Row>(`SELECT ${COLUMNS} FROM actions WHERE id = $1 AND action = 'agent.task' AND ${SHOWN}`, [id])).rows[0];
    return row ? toTask(row) : undefined;
  }

  /** Each task's calls and tokens per model, every node's rows together (a task taken over ran on two). */
  async usage(ids: readonly string[]): Promise<Map<string, PgTaskUsage>> {
    const out = new Map<string, PgTaskUsage>();
    if (ids.length === 0) return out;
    const { rows } = await this.db.query<{ action_id: string; model: string; calls: number } & Record<'input' | 'output' | 'creation' | 'read', string>>(
      `SELECT action_id, model, count(*)::int AS calls, sum(input_tokens) AS input, sum(output_tokens) AS output,
         sum(cache_creation_tokens) AS creation, sum(cache_read_tokens) AS read
       FROM model_usage WHERE action_id = ANY($1::text[]) GROUP BY action_id, model`,
      [ids],
    );
    for (const r of rows) {
      const sum = out.get(r.action_id) ?? { calls: 0, byModel: new Map() };
      sum.calls += r.calls;
      sum.byModel.set(r.model, { inputTokens: Number(r.input), outputTokens: Number(r.output), cacheCreationTokens: Number(r.creation), cacheReadTokens: Number(r.read) });
      out.set(r.action_id, sum);
    }
    return out;
  }

  /**
   * The newest `action.started` line of a task: which node's worker claimed it last, and
   * when. Looked for between its row's creation and its end (or now), by the lines' time
   * index, with a minute's slack for the nodes' clocks.
   */
  async lastRun(task: Pick<PgAgentTask, 'id' | 'createdAt' | 'updatedAt' | 'state'>): Promise<PgTaskRun | undefined> {
    const ended = task.state === 'succeeded' || task.state === 'failed';
    const { rows } = await this.db.query<{ node: string; at: string }>(
      `SELECT node, (extract(epoch FROM ts) * 1000)::bigint AS at FROM log_entries
       WHERE ts >= to_timestamp($2::double precision / 1000) AND ($3::bigint IS NULL OR ts <= to_timestamp($3::double precision / 1000))
         AND type = 'action.started' AND line::jsonb->>'actionId' = $1
       ORDER BY ts DESC LIMIT 1`,
      [task.id, task.createdAt - CLOCK_SLACK_MS, ended ? task.updatedAt + CLOCK_SLACK_MS : null],
    );
    const row = rows[0];
    return row ? { node: row.node, startedAt: Number(row.at) } : undefined;
  }
}
