import type { Config } from '../../config/index.js';
import type { TeamStatus } from '../../store/index.js';
import { VigilError } from '../../errors.js';
import { paintFor } from '../../for-people.js';
import { type CliContext } from '../context.js';
import { loadHomeConfig } from '../home-config.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';
import { renderStatus } from '../status-view.js';

/**
 * With no daemon the report comes from the store (today's cost, the last tick, what
 * waits) and is printed all the same; the command then exits 69, as the README's
 * table says, so that `vigil status || …` in a script means "not running".
 */
export async function statusCommand(ctx: CliContext, opts: { json?: boolean }): Promise<void> {
  const config = teamConfig(ctx);
  if (config?.store.url) return teamStatusCommand(ctx, opts, config.store.url, config);
  const { inDaemon, result: report } = await daemonOrInProcess<Record<string, unknown>, Record<string, unknown>>(ctx, { method: 'GET', route: '/api/status' }, () =>
    // The in-process report needs the daemon room's status; asking the daemon needs none of it.
    withHomeStore(ctx, async ({ store, clock }) => (await import('../../daemon/index.js')).statusReport({ store, config: loadHomeConfig(ctx), now: clock.now() })),
  );
  if (opts.json) ctx.out(JSON.stringify(report, null, 2));
  else for (const line of renderStatus(report, Date.now(), paintFor(process.stdout, ctx.env))) ctx.out(line);
  if (!inDaemon) throw new VigilError('VIGIL_ERR_NOT_RUNNING', `no daemon runs on ${ctx.paths.home}`);
}

/** The team's own keys of a node's report: shown as the team's lines, not as rows of the summary. */
const TEAM_KEYS = ['store', 'node', 'nodes', 'roles', 'inbox', 'usageToday', 'pushSubscriptions'] as const;

/**
 * A team on PostgreSQL (issue 19): the single daemon's summary for this home's node —
 * asked of the node when one runs here (`GET /api/status`), read from the database when
 * none does — then the team: the nodes, who holds each role, the shared inbox and actions.
 * Exits 69 when no node runs on this home, as above.
 */
async function teamStatusCommand(ctx: CliContext, opts: { json?: boolean }, url: string, config: Config): Promise<void> {
  const { inDaemon, result: report } = await daemonOrInProcess<TeamReport, TeamReport>(ctx, { method: 'GET', route: '/api/status' }, async () => {
    const now = Date.now();
    // The store (and pg) only on a team's home: `vigil status` beside a running daemon loads neither (issue 18).
    const [{ readTeamStatus }, { teamStatusReport }] = await Promise.all([import('../../store/index.js'), import('../../daemon/index.js')]);
    return teamStatusReport({ team: await readTeamStatus(url, now, config.store.leaseSeconds), config, now, node: null }) as TeamReport;
  });
  if (opts.json) ctx.out(JSON.stringify(report, null, 2));
  else {
    const now = Date.now();
    const summary = Object.fromEntries(Object.entries(report).filter(([key]) => !(TEAM_KEYS as readonly string[]).includes(key)));
    for (const line of renderStatus(summary, now, paintFor(process.stdout, ctx.env))) ctx.out(line);
    ctx.out('');
    const alive = report.nodes.filter((n) => n.alive).length;
    ctx.out(`team on PostgreSQL: ${report.nodes.length} node${report.nodes.length === 1 ? '' : 's'}, ${alive} alive${report.node ? ` (this home: ${report.node})` : ''}`);
    for (const n of report.nodes) {
      const roles = report.roles.filter((r) => r.node === n.name).map((r) => r.role);
      const beat = Math.max(0, Math.round((now - n.heartbeatAt) / 1000));
      ctx.out(`  ${n.name.padEnd(16)} ${n.alive ? 'alive' : 'silent'}  heartbeat ${beat} s ago  holds ${n.holds.events} events, ${n.holds.actions} actions${roles.length ? `, roles ${roles.join(', ')}` : ''}`);
    }
    // By state; the report's actions also carry `approved` and `running` when none are (the single daemon's keys).
    const counts = (by: Record<string, number>) => Object.entries(by).filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`).join(', ') || 'none';
    ctx.out(`inbox:   ${counts(report.inbox)}`);
    ctx.out(`actions: ${counts(report.actions)}`);
    ctx.out(`web push: ${report.pushSubscriptions} browser${report.pushSubscriptions === 1 ? '' : 's'} subscribed`);
  }
  if (!inDaemon) throw new VigilError('VIGIL_ERR_NOT_RUNNING', `no node runs on ${ctx.paths.home}`);
}

/** What teamStatusReport gives (src/daemon/status.ts), as this command reads it. */
type TeamReport = Record<string, unknown> & {
  node: string | null;
  nodes: TeamStatus['nodes'];
  roles: TeamStatus['roles'];
  inbox: Record<string, number>;
  actions: Record<string, number>;
  pushSubscriptions: number;
};

/** The config (its store section says whether this is a team's home); a config that does not load leaves the single daemon's path, which reports it. */
function teamConfig(ctx: CliContext): Config | undefined {
  try {
    return loadHomeConfig(ctx);
  } catch {
    return undefined;
  }
}
