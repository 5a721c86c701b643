/**
 * Whether a team node's worker, if it ran now, would find work (issue 19): an action it
 * would claim (this node's kinds and clones, src/exec/team-claimable.ts, by the claim's own
 * predicate), a notice nobody holds, or held notices a digest may now gather. A node asks
 * this while its worker has exited idle (`exec.idleExitSeconds`, team-worker.ts): approvals
 * answered through another node, a dead node's expired leases and notices another node
 * queued reach no kick of this node's, so it looks. Nothing is claimed here.
 */
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { claimableByNode } from '../exec/index.js';
import { digestDue, gatePolicyOf } from '../notify/index.js';
import type { PgStore } from '../store/index.js';

export async function teamWorkWaiting(store: Pick<PgStore, 'actions' | 'notify'>, config: Readonly<Config>, clock: Clock): Promise<boolean> {
  if (await store.actions.waiting(claimableByNode(config.repos))) return true;
  const notices = await store.notify.waiting();
  return notices.queued || (notices.held && digestDue(gatePolicyOf(config), notices, clock.now()));
}
