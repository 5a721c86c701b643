import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isVigilError } from '../errors.js';
import type { LogEntry } from '../logs/index.js';
import type { SearchHit } from '../memory/index.js';
import { ownerOf, pageAuth } from './auth.js';
import type { PageName } from './html.js';
import { logAddress, teamLogRecordPage } from './log-record-page.js';
import { MEMORY_REFUSALS, memoryNotice, memoryPage } from './memory-page.js';
import { teamMemoryView } from './team-memory.js';
import type { AuthDeps } from './types.js';

/** What a team node's Memory and log record pages need: the team's memory and chains in PostgreSQL. */
export interface TeamMemoryDeps extends AuthDeps {
  /** Every memory file's newest content (removed files absent). */
  memoryHeads(): Promise<Array<{ path: string; content: string }>>;
  /** `vigil memory search` on a team: the node-local index of every chain and the inbox, caught up first. */
  searchLogs(query: string): Promise<SearchHit[]>;
  /** The owner's edit or deletion of a fact (src/operations/team-memory-edit.ts); fails VIGIL_ERR_MEMORY_FACT or _CONFLICT. */
  editFact(edit: { topic: string; index: number; was: string; text?: string }): Promise<unknown>;
  /** Record `seq` of chain `node`/`day`; without a node, that record of every chain of the day. */
  logRecords(day: string, seq: number, node?: string): Promise<Array<{ node: string; entry: LogEntry }>>;
  githubWebUrl: string;
  pages: readonly PageName[];
}

/** A node's name as a chain has it (checkNodeName). */
const NODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

function csrfOf(req: FastifyRequest): string {
  const owner = ownerOf(req);
  return owner?.via === 'session' ? owner.session.csrf : '';
}

function html(reply: FastifyReply, page: string): FastifyReply {
  return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
}

/**
 * A team node's `/memory`, `POST /memory/facts` and `/log` (issue 19): the single daemon's
 * pages (page-routes.ts) — the same renderers, the session guard, CSRF on the form — over
 * the team's memory and every node's chain. A record on a team is addressed by its chain:
 * `/log?node=NODE&day=DAY&seq=SEQ`, as `log NODE/DAY#SEQ` names it in memory and search hits.
 */
export async function teamMemoryRoutes(app: FastifyInstance, deps: TeamMemoryDeps): Promise<void> {
  app.addHook('preHandler', pageAuth(deps));

  const view = async (opts: { topic?: string; query?: string }) => teamMemoryView(await deps.memoryHeads(), (q) => deps.searchLogs(q), opts, deps.clock.now());

  app.get<{ Querystring: { q?: unknown; topic?: unknown; done?: unknown } }>('/memory', async (req, reply) => {
    const { q, topic, done } = req.query;
    const shown = await view({ ...(typeof q === 'string' ? { query: q } : {}), ...(typeof topic === 'string' ? { topic } : {}) });
    const notice = memoryNotice(done);
    return html(reply, memoryPage({ csrf: csrfOf(req), view: shown, pages: deps.pages, ...(notice ? { notice } : {}) }));
  });

  // The owner's edit or deletion of one fact (a form with the CSRF token): the page again, at the fact.
  app.post<{ Body: Record<string, unknown> | undefined }>('/memory/facts', async (req, reply) => {
    const body = req.body ?? {};
    const topic = String(body.topic ?? '');
    const op = body.op === 'delete' ? 'delete' : 'edit';
    try {
      await deps.editFact({ topic, index: Number(body.index), was: String(body.was ?? ''), ...(op === 'edit' ? { text: String(body.text ?? '') } : {}) });
    } catch (err) {
      if (!isVigilError(err) || !MEMORY_REFUSALS.has(err.code)) throw err;
      // Shown on the page the owner was on, with what holds now.
      const page = memoryPage({ csrf: csrfOf(req), view: await view({ topic }), pages: deps.pages, notice: `Nothing was written: ${err.message}` });
      return html(reply.code(err.httpStatus), page);
    }
    const at = op === 'edit' ? `#fact-${Number(body.index)}` : '#topic';
    return reply.code(303).header('location', `/memory?topic=${encodeURIComponent(topic)}&done=${op}${at}`).send();
  });

  // One log record, as a fact's source or a search hit names it (`log NODE/DAY#SEQ`, or a home's `log DAY#SEQ`).
  app.get<{ Querystring: { node?: unknown; day?: unknown; seq?: unknown } }>('/log', async (req, reply) => {
    const { node, day, seq } = req.query;
    const address = logAddress(day, seq);
    const named = typeof node === 'string' ? node : undefined;
    const valid = address !== undefined && (named === undefined || NODE.test(named));
    const records = valid ? await deps.logRecords(address.day, address.seq, named) : [];
    const page = teamLogRecordPage({
      csrf: csrfOf(req),
      node: named,
      day: String(day ?? ''),
      seq: String(seq ?? ''),
      records,
      githubWebUrl: deps.githubWebUrl,
      now: deps.clock.now(),
      pages: deps.pages,
    });
    return html(records.length ? reply : reply.code(404), page);
  });
}
