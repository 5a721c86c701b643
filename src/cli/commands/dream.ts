import fs from 'node:fs';
import os from 'node:os';
import { VigilError } from '../../errors.js';
import { isoWithOffset, timeForPeople } from '../../for-people.js';
import { listLogDates, logFilePath, readLogEntriesFrom, type LogEntry } from '../../logs/index.js';
import { readDaemonInfo } from '../../home/index.js';
import { awaitTeamDream, describeDream, dreamHere, dreamStatus, dreamTeamHere, type DreamSummary, type TeamDreamOutcome, type TeamDreamStatus } from '../../operations/index.js';
import { requireHome, type CliContext } from '../context.js';
import { loadHomeConfig } from '../home-config.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';
import { teamStoreUrl } from '../team-home.js';

/** How long `vigil dream --now` waits for a daemon's dream to end. */
const WAIT_MS = 15 * 60_000;

/** `vigil dream [--now]`: dream now, in the daemon when one runs; without --now, when the next one is due. */
export async function dreamCommand(ctx: CliContext, opts: { now?: boolean; json?: boolean }): Promise<void> {
  requireHome(ctx);
  if (!opts.now) return printDreamStatus(ctx, opts.json === true);
  // --json: progress lines are for people; the one object printed is the dream's summary.
  const say = (line: string) => (opts.json ? undefined : ctx.out(line));
  const team = await teamStoreUrl(ctx);
  if (team) return teamDreamNow(ctx, team, opts.json === true, say);
  // Only what is written from now on can hold the end of a dream the daemon runs.
  const marks = new Map(listLogDates(ctx.paths.logs).map((d) => [d, fs.statSync(logFilePath(ctx.paths.logs, d)).size]));
  const ran = await daemonOrInProcess<{ dreamId?: string; pid?: number }, DreamSummary>(
    ctx,
    { method: 'POST', route: '/api/dream', passThrough: ['VIGIL_ERR_DREAM_BUSY'] },
    () => dreamHere({ paths: ctx.paths, env: ctx.env, progress: (line) => say(`dream: ${line}`) }),
  );
  if (!ran.inDaemon) {
    if (opts.json) return ctx.out(JSON.stringify({ ...ran.result, inDaemon: false }, null, 2));
    ctx.out(describeDream(ran.result));
    return ctx.out('vigil is not running: the dream is logged when it starts');
  }
  const { dreamId, pid } = ran.result;
  if (!dreamId) throw new VigilError('VIGIL_ERR_DAEMON_HTTP', 'POST /api/dream: the daemon named no dream');
  say(`dream ${dreamId} started in the daemon (pid ${pid})`);
  const end = await waitForEnd(ctx.paths.logs, dreamId, marks);
  if (end.type === 'dream.failed') throw new VigilError('VIGIL_ERR_DREAM_FAILED', String(end.reason));
  if (opts.json) return ctx.out(JSON.stringify({ ...end, inDaemon: true }, null, 2));
  ctx.out(describeDream(end as unknown as DreamSummary));
}

/**
 * `vigil dream --now` on a team's home (issue 19): through the node running here, else in
 * this process under the team's dreamer role (src/operations/team-dream.ts); either way a
 * dream of the team's chains and memory, one at a time across the team. A dream the
 * role's holder elsewhere takes is awaited in the team's log.
 */
async function teamDreamNow(ctx: CliContext, url: string, json: boolean, say: (line: string) => void): Promise<void> {
  const node = readDaemonInfo(ctx.paths.daemon)?.node ?? os.hostname();
  const ran = await daemonOrInProcess<{ dreamId?: string; pid?: number; node?: string; here?: boolean }, TeamDreamOutcome>(
    ctx,
    { method: 'POST', route: '/api/dream', passThrough: ['VIGIL_ERR_DREAM_BUSY'] },
    async () => {
      const config = loadHomeConfig(ctx);
      const { loadSecrets } = await import('../../config/index.js');
      // The model provider's key and endpoint, as a node's dreamer uses them; the rules pass needs no secrets.
      const secrets = config.model.provider === 'rules' ? {} : loadSecrets(ctx.paths.secrets, ctx.env);
      return dreamTeamHere({ url, node, config, secrets, env: ctx.env });
    },
  );
  if (!ran.inDaemon && ran.result.here) {
    const { report } = ran.result;
    return ctx.out(json ? JSON.stringify({ ...report, inDaemon: false }, null, 2) : describeDream(report));
  }
  const dreamId = ran.inDaemon ? ran.result.dreamId : ran.result.here ? undefined : ran.result.dreamId;
  if (!dreamId) throw new VigilError('VIGIL_ERR_DAEMON_HTTP', 'POST /api/dream: the node named no dream');
  if (ran.inDaemon && ran.result.here) say(`dream ${dreamId} started in the daemon (pid ${ran.result.pid}, node ${ran.result.node})`);
  else say(`dream ${dreamId} asked of the team: the node holding its dreamer role dreams it`);
  const end = await awaitTeamDream(url, node, dreamId);
  if (json) return ctx.out(JSON.stringify({ ...end, inDaemon: ran.inDaemon }, null, 2));
  ctx.out(describeDream(end as unknown as DreamSummary));
}

async function printDreamStatus(ctx: CliContext, json: boolean): Promise<void> {
  const team = await teamStoreUrl(ctx);
  if (team) return printTeamDreamStatus(ctx, team, json);
  const config = loadHomeConfig(ctx);
  const status = await withHomeStore(ctx, ({ store, clock }) => dreamStatus({ store, clock, home: ctx.paths.home, logsDir: ctx.paths.logs, config }));
  if (json) {
    const at = (ms: number | null) => (ms === null ? null : isoWithOffset(ms));
    const { lastDreamAt, lastFailedAt, dreaming, ...rest } = status;
    return ctx.out(JSON.stringify({ ...rest, lastDreamAt: at(lastDreamAt), lastFailedAt: at(lastFailedAt), dreaming: dreaming ? { ...dreaming, startedAt: at(dreaming.startedAt) } : null }, null, 2));
  }
  const now = Date.now();
  const iso = (ms: number | null) => (ms === null ? 'never' : timeForPeople(ms, now));
  ctx.out(`last dream:   ${iso(status.lastDreamAt)}${status.lastDreamId ? ` (${status.lastDreamId})` : ''}`);
  ctx.out(`read up to:   ${status.readUpTo ?? 'nothing yet'}`);
  if (status.lastFailedAt !== null) ctx.out(`last failure: ${iso(status.lastFailedAt)}: ${status.lastFailure}`);
  if (status.dreaming) return ctx.out(`dreaming now: pid ${status.dreaming.pid} since ${iso(status.dreaming.startedAt)}`);
  const verdict = status.verdict!;
  ctx.out(`${verdict.due ? 'due now' : 'not due'}:      ${verdict.reason}`);
  ctx.out('`vigil dream --now` dreams regardless');
}

/**
 * `vigil dream` on a team's home (issue 19): the team's dream state and the gate its
 * dreamer asks (src/operations/team-dream-status.ts) — from the node running on this home
 * (`GET /api/dream`, the gate as its config sets it), else read from the database here.
 */
async function printTeamDreamStatus(ctx: CliContext, url: string, json: boolean): Promise<void> {
  const config = loadHomeConfig(ctx);
  const ran = await daemonOrInProcess<TeamDreamStatus, TeamDreamStatus>(ctx, { method: 'GET', route: '/api/dream' }, async () => {
    const [{ withTeamDreams }, { teamDreamStatus, unstartedTeamDreamStatus }] = await Promise.all([import('../../store/index.js'), import('../../operations/index.js')]);
    return withTeamDreams(url, readDaemonInfo(ctx.paths.daemon)?.node ?? os.hostname(), async (store) =>
      (await store.migrated()) ? teamDreamStatus(store, config.dream, Date.now()) : unstartedTeamDreamStatus(),
    );
  });
  const status = ran.result;
  if (json) {
    const at = (ms: number | null) => (ms === null ? null : isoWithOffset(ms));
    const { lastDreamAt, lastFailedAt, dreaming, next, ...rest } = status;
    return ctx.out(JSON.stringify({
      ...rest,
      lastDreamAt: at(lastDreamAt),
      lastFailedAt: at(lastFailedAt),
      dreaming: dreaming ? { ...dreaming, startedAt: at(dreaming.startedAt) } : null,
      next: next ? { ...next, earliestAt: at(next.earliestAt) } : null,
    }, null, 2));
  }
  const now = Date.now();
  const iso = (ms: number | null) => (ms === null ? 'never' : timeForPeople(ms, now));
  ctx.out(`last dream:   ${iso(status.lastDreamAt)}${status.lastDreamId ? ` (${status.lastDreamId}${status.dreamedBy ? `, node ${status.dreamedBy}` : ''})` : ''}`);
  ctx.out(`read up to:   ${status.readUpTo ?? 'nothing yet'}`);
  if (status.lastFailedAt !== null) ctx.out(`last failure: ${iso(status.lastFailedAt)}: ${status.lastFailure}`);
  if (status.dreaming) return ctx.out(`dreaming now: pid ${status.dreaming.pid} on node ${status.dreaming.node} since ${iso(status.dreaming.startedAt)} (${status.dreaming.dreamId})`);
  const verdict = status.verdict!;
  if (status.requestedId) ctx.out(`asked:        dream ${status.requestedId} (vigil dream --now), dreamt at the dreamer's next look`);
  else ctx.out(`${verdict.due ? 'due now' : 'not due'}:      ${verdict.reason}`);
  if (!status.requestedId && status.next) {
    const { earliestAt, newsWanted } = status.next;
    const news = `${newsWanted} more log entries are in`;
    ctx.out(
      earliestAt > now
        ? `next dream:   at the earliest ${timeForPeople(earliestAt, now)}, if the owner stays idle${newsWanted ? ` and ${news}` : ''}`
        : `next dream:   once ${news}`,
    );
  }
  ctx.out(
    status.dreamer
      ? `dreamer:      node ${status.dreamer} holds the team's dreamer role: it dreams when due, looking every third of its store.leaseSeconds`
      : 'dreamer:      no node holds the team\'s dreamer role: no dream begins until a node runs (vigil start)',
  );
  ctx.out('`vigil dream --now` dreams regardless');
}

/** Follow the daemon's log until the dream's end is written. */
async function waitForEnd(logsDir: string, dreamId: string, marks: Map<string, number>): Promise<LogEntry> {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    for (const date of listLogDates(logsDir).slice(-2)) {
      const { entries, end } = readLogEntriesFrom(logFilePath(logsDir, date), marks.get(date) ?? 0);
      marks.set(date, end);
      const found = entries.find((e) => (e.type === 'dream.finished' || e.type === 'dream.failed') && e.dreamId === dreamId);
      if (found) return found;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new VigilError('VIGIL_ERR_DREAM_FAILED', `dream ${dreamId} did not end within ${WAIT_MS / 60_000} minutes; see \`vigil log\``);
}
