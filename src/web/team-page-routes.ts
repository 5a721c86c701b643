import type { FastifyInstance } from 'fastify';
import { isVigilError, VigilError } from '../errors.js';
import type { TeamStatus } from '../store/index.js';
import { apiAuth, ownerOf, pageAuth } from './auth.js';
import { approvalItem } from './dashboard.js';
import { teamPage } from './team-page.js';
import { timelineSection } from './thread-html.js';
import { dayOf, filtersOf, type DayTimeline, type TimelineFilters } from './timeline.js';
import type { AuthDeps } from './types.js';

/** A pending approval as the team's table gives it. */
export interface TeamApprovalRow {
  id: string;
  action: string;
  params: unknown;
  rationale: string;
  expiresAt: number | null;
}

/** What a team node's page needs: the team's state and approvals from PostgreSQL, and the one way to answer. */
export interface TeamPageDeps extends AuthDeps {
  node: string;
  status(now: number): Promise<TeamStatus>;
  approvals(): Promise<TeamApprovalRow[]>;
  /** The owner's answer from the page: once, whichever node it reaches (src/initiative answerTeamApproval). */
  answer(id: string, answer: 'approve' | 'deny', reason: string | undefined): Promise<{ id: string; state: string }>;
  /** `vigil ask`: the owner's words decided by whichever node takes them, the answer awaited here (src/daemon/team-asks.ts). */
  ask(text: unknown, via: 'cli' | 'dashboard', waitMs: number): Promise<{ eventId: number }>;
  /** A test notification through every channel, answered once a node's worker has tried (src/daemon/team-push-test.ts). */
  pushTest(): Promise<unknown>;
  /** The answer to the instruction event `eventId`, once decided: what the Ask form's page shows. */
  answerTo(eventId: number): Promise<{ text: string } | undefined>;
  /** A day's threads over every node's chain, filtered (team-timeline.ts). */
  timeline(day: string, filters: TimelineFilters): Promise<DayTimeline>;
}

/** How long the Ask form (no script) waits for its answer before the page comes back without it. */
const ASK_FORM_WAIT_MS = 60_000;

function answerOf(value: unknown): 'approve' | 'deny' {
  if (value !== 'approve' && value !== 'deny') throw new VigilError('VIGIL_ERR_USAGE', 'answer is approve or deny', { httpStatus: 400 });
  return value;
}

const reasonOf = (body: unknown) => {
  const reason = (body as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' ? reason : undefined;
};

/**
 * A team node's home page (`/`, a logged-in browser) and its approvals' answers: the
 * form's `POST /approvals/:id` (the session's CSRF token in `_csrf`), as on the single
 * daemon's dashboard — the script's `POST /api/approvals/:id/:answer`, `GET
 * /api/approvals` and `POST /api/ask` are the node's API (src/daemon/team-api-routes.ts);
 * the Ask box without its script, and the push page's test. Errors (not found 404, no
 * longer pending 409) through the app's error handler, with the one error body.
 */
export async function teamPageRoutes(app: FastifyInstance, deps: TeamPageDeps): Promise<void> {
  // `?day=YYYY-MM-DD&repo=&kind=&outcome=`: the timeline of any day with a log, filtered, as on the single daemon.
  app.get<{ Querystring: Record<string, unknown> }>('/', { preHandler: pageAuth(deps) }, async (req, reply) => {
    const now = deps.clock.now();
    const asked = Number(req.query.answer);
    const filters = filtersOf(req.query);
    const [status, waiting, answer, timeline] = await Promise.all([
      deps.status(now),
      deps.approvals(),
      Number.isSafeInteger(asked) && asked > 0 ? deps.answerTo(asked) : undefined,
      deps.timeline(dayOf(req.query.day, now), filters),
    ]);
    const owner = ownerOf(req);
    const page = teamPage({
      csrf: owner?.via === 'session' ? owner.session.csrf : '',
      status,
      approvals: waiting.map((a) => approvalItem({ ...a, params: a.params as Record<string, unknown> })),
      now,
      node: deps.node,
      timeline: timelineSection(timeline, filters, now),
      // The Ask form's answer; an ask still being decided says so.
      ...(req.query.answer !== undefined ? { answered: answer?.text ?? 'Not answered yet: vigil is still deciding. Its answer is also sent as a notification.' } : {}),
    });
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  });

  app.post<{ Params: { id: string }; Body: Record<string, unknown> | undefined }>('/approvals/:id', { preHandler: pageAuth(deps) }, async (req, reply) => {
    await deps.answer(req.params.id, answerOf(req.body?.answer), reasonOf(req.body));
    return reply.code(303).header('location', '/').header('cache-control', 'no-store').send();
  });

  // The Ask box without its script (a form with `_csrf`): the page again, with the answer in the box.
  app.post<{ Body: Record<string, unknown> | undefined }>('/ask', { preHandler: pageAuth(deps) }, async (req, reply) => {
    let eventId: number;
    try {
      ({ eventId } = await deps.ask(req.body?.text, 'dashboard', ASK_FORM_WAIT_MS));
    } catch (err) {
      // Not decided in time: the page looks for its answer when reloaded (the timeout names the event).
      const pending = isVigilError(err, 'VIGIL_ERR_ASK_TIMEOUT') ? (err as { eventId?: unknown }).eventId : undefined;
      if (typeof pending !== 'number') throw err;
      eventId = pending;
    }
    return reply.code(303).header('location', `/?answer=${eventId}#ask`).header('cache-control', 'no-store').send();
  });

  // The push page's test button (session + CSRF header) or a script's Bearer.
  app.post('/api/push/test', { preHandler: apiAuth(deps) }, async () => deps.pushTest());
}
