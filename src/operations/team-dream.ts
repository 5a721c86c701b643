/**
 * `vigil dream --now` on a team's home (issue 19) when no node runs on it: the team's
 * dream, never the home's empty vigil.db. One dream at a time across the team, by the
 * team's own lock: this process takes the `dreamer` role (the advisory lock a node's
 * dreamer holds, src/store/pg/roles.ts) for its dream, and gives it up after. A dream
 * under way anywhere is VIGIL_ERR_DREAM_BUSY; when a node elsewhere holds the role and
 * is not dreaming, the owner's request is left for it (`dream_state`), and its end
 * awaited in the team's log, as through a node that does not hold the role.
 */
import { localDate, systemClock } from '../clock.js';
import type { Config, Secrets } from '../config/index.js';
import { consolidationCompletion, consolidatorFor, newDreamId, runTeamDream, teamDreamBusy, type DreamReport } from '../dream/index.js';
import { VigilError } from '../errors.js';
import type { LogRecord } from '../logs/index.js';
import { createJsonCompletion } from '../model/index.js';
import { withTeamDreams } from '../store/index.js';

export interface TeamDreamHere {
  url: string;
  /** Whose chain the dream's lines go to: the node of this home, else the host's name. */
  node: string;
  config: Readonly<Config>;
  /** The model provider's key and endpoint, when the config names one (a rules dream needs none). */
  secrets: Partial<Secrets>;
  env: NodeJS.ProcessEnv;
}

export type TeamDreamOutcome = { here: true; report: DreamReport } | { here: false; dreamId: string };

/** How long `vigil dream --now` waits for the dream the team's dreamer took. */
const WAIT_MS = 15 * 60_000;
const POLL_MS = 200;

export async function dreamTeamHere(options: TeamDreamHere): Promise<TeamDreamOutcome> {
  const { config } = options;
  return withTeamDreams(options.url, options.node, async (store) => {
    if (!(await store.migrated())) {
      throw new VigilError('VIGIL_ERR_NOT_RUNNING', 'no node has started on the team\'s database yet: it holds nothing to dream (start one: vigil start)');
    }
    const busy = await store.dreams.dreaming();
    if (busy) throw teamDreamBusy(busy);
    if (await store.roles.tryAcquire('dreamer')) {
      const json = createJsonCompletion(config.model, { secrets: options.secrets, env: options.env });
      const report = await runTeamDream({
        store,
        clock: systemClock,
        dream: config.dream,
        repos: config.repos,
        permissions: config.permissions,
        trigger: 'manual',
        consolidator: consolidatorFor(config.model, json && consolidationCompletion(json)),
        holder: { pid: process.pid, backend: store.roles.backendOf('dreamer')! },
      });
      return { here: true, report };
    }
    // Someone holds the role: dreaming (just begun), or a node idle between its looks.
    const now = await store.dreams.dreaming();
    if (now) throw teamDreamBusy(now);
    return { here: false, dreamId: await store.dreams.request(newDreamId(), systemClock.now()) };
  });
}

/** The end of dream `dreamId` on whichever node dreams it: its `dream.finished` line, or VIGIL_ERR_DREAM_FAILED with the reason. */
export async function awaitTeamDream(url: string, node: string, dreamId: string): Promise<LogRecord> {
  // A node's day is its own local day: from yesterday on covers every clock of the team.
  const fromDay = localDate(systemClock.now() - 86_400_000);
  return withTeamDreams(url, node, async (store) => {
    const deadline = systemClock.now() + WAIT_MS;
    while (systemClock.now() < deadline) {
      const end = await store.dreams.ended(dreamId, fromDay);
      if (end?.type === 'dream.failed') throw new VigilError('VIGIL_ERR_DREAM_FAILED', String(end.reason));
      if (end) return end;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    throw new VigilError('VIGIL_ERR_DREAM_FAILED', `dream ${dreamId} did not end within ${WAIT_MS / 60_000} minutes; see \`vigil log\``);
  });
}
