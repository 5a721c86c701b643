import type { Clock } from '../clock.js';
import { OWNER_INSTRUCTION, OWNER_SOURCE } from '../initiative/index.js';
import { followTeamLog } from '../logs/index.js';
import type { PgStore } from '../store/index.js';
import type { TeamTimelineDeps, TeamTimelineSource } from '../web/index.js';

/** How often a page's live stream looks at the chains: the single daemon's stream polls its file as often. */
const FOLLOW_POLL_MS = 300;

/**
 * The team's timeline (src/web team-timeline.ts) over a node's store: every chain's records
 * of a day, the rows they name, and a follower of the chains for a page's live stream.
 */
export function teamTimelineSource(store: PgStore, clock: Clock, githubWebUrl: string): TeamTimelineSource & Pick<TeamTimelineDeps, 'follow'> {
  return {
    clock,
    githubWebUrl,
    dayTail: (day, limit) => store.dayTail(day, limit),
    firstLogDay: () => store.firstLogDay(),
    eventsOfActions: (ids) => store.actions.eventsOf(ids),
    subjectsOf: (ids) => store.decisions.subjectsOfEvents(ids),
    instructions: async (ids) => {
      const words = new Map<number, { text: string; via: string }>();
      for (const event of await store.inbox.getMany(ids)) {
        if (event.source !== OWNER_SOURCE || event.kind !== OWNER_INSTRUCTION) continue;
        const said = instructionWords(event.body);
        if (said) words.set(event.id, said);
      }
      return words;
    },
    follow: (signal, onEntry) => followTeamLog(store.logFollowSource(), { clock, signal, onEntry, fromEnd: true, pollMs: FOLLOW_POLL_MS }),
  };
}

/** An instruction's body (`{ text, via }`, src/operations/ask.ts), or nothing when it does not read as one. */
function instructionWords(body: Buffer): { text: string; via: string } | undefined {
  try {
    const payload = JSON.parse(body.toString('utf8')) as { text?: unknown; via?: unknown };
    return typeof payload.text === 'string' ? { text: payload.text, via: String(payload.via ?? 'cli') } : undefined;
  } catch {
    return undefined;
  }
}
