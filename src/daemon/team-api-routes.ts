/**
 * The CLI's API on a team node (issue 19): the single daemon's table (api-routes.ts) —
 * the same paths, statuses, checks of a request and answers — over a node's parts, which
 * read and write the team's database. Both of a node's servers answer from it: its
 * fastify app (a browser's session, or any request behind `http.trustProxy`), and Node's
 * own server for the CLI's Bearer token (cli-api-front.ts), so that a `vigil approvals`
 * does not load fastify into an idle node.
 */
import type { OwnerAnswer } from '../initiative/index.js';
import { askWaitMs } from '../initiative/index.js';
import type { SearchHit } from '../memory/index.js';
import type { ApprovalView, TeamDreamStatus } from '../operations/index.js';
import type { OwnerChannel } from '../policy/index.js';
import type { AuthDeps } from '../web/index.js';
import { VigilError } from '../errors.js';
import { answerReasonOf, fieldOf, searchQuery, type ApiRoute } from './api-routes.js';
import type { TeamDreamStarted } from './team-dreamer.js';

/** What a node's API asks of the node; nothing else reaches it. */
export interface TeamApi extends AuthDeps {
  /** `vigil status`: the single daemon's report for this node, with the team's keys (team-status.ts). */
  status(): Promise<Record<string, unknown>>;
  /** `vigil approvals`: what waits for the owner across the team, as the single daemon lists it. */
  approvals(): Promise<ApprovalView[]>;
  /** `vigil approve` / `vigil deny`: once, whichever node it reaches (src/initiative answerTeamApproval). */
  answer(id: string, answer: 'approve' | 'deny', by: OwnerChannel, reason: string | undefined): Promise<{ id: string; state: string }>;
  /** `vigil ask`: the owner's words decided by whichever node takes them (team-asks.ts). */
  ask(text: unknown, via: 'cli' | 'dashboard', waitMs: number): Promise<OwnerAnswer>;
  /** `vigil tick`: a manual tick with this node's open-work digest. */
  tick(): Promise<{ outcome: string; eventId: number; openWork: string }>;
  /** `vigil dream --now`: one dream of the team, one at a time across nodes (team-dreamer.ts). */
  dream(): Promise<TeamDreamStarted>;
  /** `vigil dream` without --now: the team's last dream, the one under way or asked for, the dreamer role's holder and its gate. */
  dreamStatus(): Promise<TeamDreamStatus>;
  /** `vigil memory search`: this node's index of the team's log and inbox, caught up first (src/memory/team-search.ts). */
  search(words: string, limit: number): Promise<{ hits: SearchHit[]; complete: boolean }>;
  /** `vigil cancel ID`: the flag the running task's worker polls, on whichever node it runs (src/operations/team-cancel.ts). */
  cancel(id: string): Promise<void>;
}

export const TEAM_API_ROUTES: readonly ApiRoute<TeamApi>[] = [
  { method: 'GET', path: '/api/status', status: 200, run: (api) => api.status() },
  { method: 'POST', path: '/api/tick', status: 202, run: (api) => api.tick() },
  // A dream already under way anywhere on the team is VIGIL_ERR_DREAM_BUSY (409).
  { method: 'POST', path: '/api/dream', status: 202, run: (api) => api.dream() },
  { method: 'GET', path: '/api/dream', status: 200, run: (api) => api.dreamStatus() },
  { method: 'GET', path: '/api/approvals', status: 200, run: (api) => api.approvals() },
  {
    method: 'GET',
    path: '/api/memory/search',
    status: 200,
    run: (api, { query }) => {
      const { words, limit } = searchQuery(query);
      return api.search(words, limit);
    },
  },
  {
    method: 'POST',
    path: '/api/approvals/:id/:answer',
    status: 200,
    run: (api, { params, body, channel }) => {
      const { id, answer } = params;
      if (answer !== 'approve' && answer !== 'deny') throw new VigilError('VIGIL_ERR_NOT_FOUND', `POST /api/approvals/${id}/${answer}`);
      // Kept one line, capped and redacted by the answer itself (src/initiative answerReason).
      return api.answer(id!, answer, channel, answerReasonOf(body));
    },
  },
  {
    method: 'POST',
    path: '/api/ask',
    status: 200,
    run: (api, { body, channel }) => api.ask(fieldOf(body, 'text'), channel === 'dashboard' ? 'dashboard' : 'cli', askWaitMs(fieldOf(body, 'wait'))),
  },
  {
    method: 'POST',
    path: '/api/actions/:id/cancel',
    status: 202,
    run: async (api, { params }) => {
      await api.cancel(params.id!);
      return { id: params.id, state: 'cancelling' };
    },
  },
];
