/**
 * The catalog's local actions on a team node (issue 19), carried out by any node's
 * worker under the action's lease, as the GitHub ones are, and each once across nodes:
 *
 * - `notify`: through the team's notification path (team-reach.ts, src/notify/team-notices.ts)
 *   under the key `action:<id>`: quiet hours and the hourly cap counted over all nodes,
 *   and a worker that takes the action over sends only to the channels that have not
 *   had it.
 */
import type { EventRecord } from '../events.js';
import type { TeamDelivery } from '../notify/index.js';
import type { ActionName, ActionParams } from '../policy/index.js';
import { secretMask } from '../secrets/index.js';
import type { PgAction } from '../store/index.js';

export interface TeamLocalEffects {
  /** The owner's channels, behind the team's gate (team-reach.ts). */
  notices: {
    deliver(notification: { title: string; body: string; urgency: 'low' | 'normal' | 'high'; tag: string }, key: string, record: (r: EventRecord) => void): Promise<TeamDelivery>;
  };
  /** Stage a log line to commit with the action's result. */
  record: (record: EventRecord) => void;
  /** The worker's stdout (journald). */
  print: (line: string) => void;
}

type LocalHandler = (params: Record<string, unknown>, action: PgAction, effects: TeamLocalEffects) => Promise<unknown>;

/** As the home's `notify` handler (src/exec/handlers/local.ts): a line on stdout, the channels, the same result. */
const notify: LocalHandler = async (raw, action, effects) => {
  const params = raw as ActionParams<'notify'>;
  const urgency = params.urgency ?? 'normal';
  effects.print(secretMask().redact(`vigil notify [${urgency}] ${params.title}${params.body ? ` — ${params.body}` : ''}`));
  const notification = { title: params.title, body: params.body, urgency, tag: `action-${action.id}` };
  return effects.notices.deliver(notification, `action:${action.id}`, effects.record);
};

export const TEAM_LOCAL_HANDLERS: Partial<Record<ActionName, LocalHandler>> = { notify };
