import { systemClock } from '../../clock.js';
import { loadSecrets } from '../../config/index.js';
import { VigilError } from '../../errors.js';
import { paintFor } from '../../for-people.js';
import { followLog, type LogEntry } from '../../logs/index.js';
import { daemonUrl, requireHome, type CliContext } from '../context.js';
import { loadHomeConfig } from '../home-config.js';
import { readEventInput } from '../event-input.js';
import { teamStoreUrl } from '../team-home.js';
import { postDelivery } from '../simulate/deliver.js';
import { printable, stepLines, trackerJson } from '../simulate/render.js';
import { DeliveryTracker } from '../simulate/track.js';

export interface SimulateFlags {
  payload?: string;
  repo?: string;
  json?: boolean;
  wait?: string;
}

/** `--repo` on any payload, a file's too: the repository a rule matches and a prompt names. */
function withRepo(payload: Record<string, unknown>, repo: string | undefined): Record<string, unknown> {
  if (!repo) return payload;
  const [owner, name] = repo.split('/');
  const current = payload.repository && typeof payload.repository === 'object' ? (payload.repository as Record<string, unknown>) : {};
  const currentOwner = current.owner && typeof current.owner === 'object' ? (current.owner as Record<string, unknown>) : {};
  return { ...payload, repository: { ...current, name, full_name: repo, owner: { ...currentOwner, login: owner } } };
}

/**
 * `vigil simulate <event>[.<action>]`: a delivery signed as GitHub signs it, posted to the
 * running daemon's webhook route, then followed in the home's daily log — received,
 * decided (or set aside), each proposal's fate and the runs that end within `--wait`.
 * Everything it causes is real: the daemon cannot tell it from GitHub's (only the
 * `vigil_simulation` field in the body says so).
 */
export async function simulateCommand(ctx: CliContext, spec: string, flags: SimulateFlags): Promise<void> {
  requireHome(ctx);
  const waitSeconds = Number(flags.wait ?? 30);
  if (!Number.isFinite(waitSeconds) || waitSeconds <= 0) throw new VigilError('VIGIL_ERR_USAGE', `--wait ${flags.wait}: a number of seconds above 0`);
  const input = readEventInput(spec, flags);
  const payload = withRepo(input.payload, flags.repo);
  const url = daemonUrl(ctx);
  if (!url) throw new VigilError('VIGIL_ERR_NOT_RUNNING', `no daemon runs on ${ctx.paths.home}; start it with vigil start`);
  const secret = loadSecrets(ctx.paths.secrets, ctx.env).webhookSecrets[0]!;
  const paint = paintFor(process.stdout, ctx.env);
  const source = flags.payload ? `payload from ${flags.payload}` : 'example payload';

  // Follow from the log's end before posting: the daemon writes event.received before it answers.
  // A team's chains (issue 19) are read from today's start instead: the follow's first read
  // may come after the post, and the tracker takes only this event's lines anyway.
  const team = await teamStoreUrl(ctx);
  const controller = new AbortController();
  const early: LogEntry[] = [];
  let onEntry: (entry: LogEntry) => void = (entry) => early.push(entry);
  const following = team
    ? followTeam(team, (entry) => onEntry(entry), controller.signal)
    : followLog({ dir: ctx.paths.logs, clock: systemClock, fromEnd: true, onEntry: (entry) => onEntry(entry), signal: controller.signal, pollMs: 100 });

  let timedOut = false;
  try {
    const accepted = await postDelivery(url, secret, input.event, payload, new Date(systemClock.now()));
    const tracker = new DeliveryTracker(accepted.eventId);
    if (!flags.json) {
      ctx.out(`sent      ${input.kind} (${source}) to ${url}/webhooks/github, delivery ${accepted.deliveryId}`);
      ctx.out(`accepted  event ${accepted.eventId}; waiting for its decision (up to ${waitSeconds}s${coalesceNote(ctx)})`);
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, waitSeconds * 1000);
      onEntry = (entry) => {
        for (const step of tracker.feed(entry)) if (!flags.json) for (const line of stepLines(step, tracker, systemClock.now(), paint)) ctx.out(line);
        if (tracker.settled) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const entry of early.splice(0)) onEntry(entry);
      following.catch(reject);
    });

    if (flags.json) ctx.out(JSON.stringify(trackerJson(accepted, source, tracker, timedOut), null, 2));
    if (!tracker.decided) {
      const seen = tracker.received ? 'it was received but not decided' : 'its event.received was not seen in the log';
      throw new VigilError(
        'VIGIL_ERR_SIMULATE_WAIT',
        `event ${accepted.eventId} (delivery ${accepted.deliveryId}): ${seen} within ${waitSeconds}s; the daemon may be busy or holding it (github.coalesceSeconds) — vigil log shows what comes next, or retry with a longer --wait`,
      );
    }
    if (timedOut && !flags.json) {
      const running = tracker.proposals.filter((p) => p.fate === 'allowed' && !p.ran).map((p) => `${printable(p.action, 60)} (action ${p.actionId})`);
      ctx.out(`still running after ${waitSeconds}s: ${running.join(', ')}; vigil log shows the rest`);
    }
  } finally {
    controller.abort();
    await following.catch(() => undefined);
  }
}

/**
 * A team's log (issue 19): every node's chain in the database, so that whichever node takes
 * the delivery and whichever decides it, their lines are followed. Loads pg on a team's home only.
 */
async function followTeam(url: string, onEntry: (entry: LogEntry) => void, signal: AbortSignal): Promise<void> {
  const [{ withTeamLog }, { followTeamLog }] = await Promise.all([import('../../store/index.js'), import('../../logs/index.js')]);
  await withTeamLog(url, (log) => followTeamLog(log, { clock: systemClock, onEntry, signal, pollMs: 100 }));
}

/** Deliveries on an issue or a CI run wait `github.coalesceSeconds` before they are decided. */
function coalesceNote(ctx: CliContext): string {
  try {
    const seconds = loadHomeConfig(ctx).github.coalesceSeconds;
    return seconds > 0 ? `; deliveries on one issue or CI run wait ${seconds}s first, github.coalesceSeconds` : '';
  } catch {
    return '';
  }
}
