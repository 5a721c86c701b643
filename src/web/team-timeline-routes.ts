import type { FastifyInstance } from 'fastify';
import { localDate } from '../clock.js';
import type { LogEntry } from '../logs/index.js';
import { apiAuth } from './auth.js';
import { statusViewOf, timelineItem } from './dashboard.js';
import { openLiveStream } from './sse.js';
import { teamDayTimeline, type TeamTimelineSource } from './team-timeline.js';
import { STATE_WORDS, threadHtml } from './thread-html.js';
import { dayOf, filtersOf } from './timeline.js';
import type { AuthDeps } from './types.js';

/** What one `GET /api/timeline` shows: today's newest records, as the single daemon's (dashboard.ts). */
const TIMELINE_COUNT = 300;

export interface TeamTimelineDeps extends AuthDeps, TeamTimelineSource {
  /** Every chain's records appended from now on, until `signal` aborts (src/logs followTeamLog over the node's store). */
  follow(signal: AbortSignal, onEntry: (entry: LogEntry & { node: string }) => void): Promise<void>;
  /** A follower that failed (the database away): said in the node's output; the page's stream reconnects. */
  followFailed(err: unknown): void;
  /** `GET /api/status`'s report for this node, with the team's (src/daemon/team-status.ts). */
  status(): Promise<Record<string, unknown>>;
}

/**
 * A team node's dashboard API (issue 19), the single daemon's (dashboard-api-routes.ts)
 * over every node's chain: `GET /api/dashboard/status` (this node's status report as the
 * dashboard shows it), `GET /api/timeline` (today's newest records), `GET /api/threads`
 * (the page's threads, each with its HTML) and `GET /api/events`, every chain's new records
 * as server-sent events, which the page's script redraws its threads and approvals on.
 * Bearer or session, as there.
 */
export async function teamTimelineRoutes(app: FastifyInstance, deps: TeamTimelineDeps): Promise<void> {
  app.addHook('onRequest', apiAuth(deps));

  // The status figures as the dashboard's script shows them.
  app.get('/api/dashboard/status', async () => statusViewOf(await deps.status(), deps.clock.now()));

  app.get('/api/timeline', async () => {
    const entries = await deps.dayTail(localDate(deps.clock.now()), TIMELINE_COUNT);
    return entries.reverse().map(timelineItem);
  });

  app.get<{ Querystring: Record<string, unknown> }>('/api/threads', async (req) => {
    const now = deps.clock.now();
    const view = await teamDayTimeline(deps, dayOf(req.query.day, now), filtersOf(req.query));
    return {
      day: view.day,
      threads: view.threads.map((t) => ({ id: t.id, state: t.state, stateWords: STATE_WORDS[t.state], repo: t.repo ?? null, family: t.family, last: t.last, sentences: t.sentences, html: threadHtml(t, now) })),
    };
  });

  app.get('/api/events', (req, reply) => {
    const { res, signal, stop } = openLiveStream(req, reply);
    deps
      .follow(signal, (entry) => res.write(`event: entry\ndata: ${JSON.stringify(timelineItem(entry))}\n\n`))
      .catch((err: unknown) => {
        // The database away: the stream ends, and the browser's EventSource comes back (retry: 3000).
        deps.followFailed(err);
        stop();
        res.end();
      });
  });
}
