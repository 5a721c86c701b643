import type { Decision } from '../model/index.js';
import type { PgEvent } from '../store/index.js';
import type { Decided } from './team-commit.js';
import { rulesFirst, type TriageConfig } from './triage.js';

/**
 * Rules first, model second, per delivery (issue 14, as initiative.ts does on SQLite): of
 * a group a node claimed, vigil's own echoes and skipped kinds are set aside one by one
 * and a rule marked `"decide": "rules"` decides one alone; what is left goes to the model
 * as one event.
 */

/** One event left for the model. */
export interface ForModel {
  event: PgEvent;
  payload: unknown;
}

export interface SortedGroup {
  /** Set aside or decided by a rule: committed before the model is asked. */
  decided: Decided[];
  forModel: ForModel[];
}

export interface GroupSorting {
  triage: TriageConfig;
  /** vigil's own write coming back: set aside (team-own-echo.ts). */
  ownEcho: (event: PgEvent) => Promise<Decided | undefined>;
  /** A rule's decision, checked against the decide schema. */
  checked: (event: PgEvent, decision: Decision) => Decision;
}

export async function sortGroup(events: readonly PgEvent[], how: GroupSorting): Promise<SortedGroup> {
  const sorted: SortedGroup = { decided: [], forModel: [] };
  for (const event of events) {
    const own = await how.ownEcho(event);
    if (own) {
      sorted.decided.push(own);
      continue;
    }
    const payload = parseBody(event);
    const routed = rulesFirst(event, payload, how.triage);
    if (routed.route === 'skipped') sorted.decided.push({ event, setAside: { type: 'event.skipped', reason: routed.reason } });
    else if (routed.route === 'rules') sorted.decided.push({ event, decision: how.checked(event, routed.decision), result: { model: 'rules' } });
    else sorted.forModel.push({ event, payload });
  }
  return sorted;
}

/** The intake stored only JSON: a body that no longer parses is not for a rule nor a model. */
export function parseBody(event: PgEvent): unknown {
  try {
    return JSON.parse(event.body.toString('utf8')) as unknown;
  } catch {
    return null;
  }
}
