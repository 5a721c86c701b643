import type { Config } from '../../config/index.js';
import { readDaemonInfo } from '../../home/index.js';
import { VigilError } from '../../errors.js';
import { paintFor } from '../../for-people.js';
import { type CliContext } from '../context.js';
import { loadHomeConfig } from '../home-config.js';
import { daemonOrInProcess, withHomeStore } from '../operate.js';
import { localDate } from '../../clock.js';
import { renderStatus, usageLine } from '../status-view.js';

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

/**
 * A team on PostgreSQL (issue 19): the nodes, who holds each role, and the shared inbox
 * and actions, from the database. Exits 69 when no node runs on this home, as above.
 */
async function teamStatusCommand(ctx: CliContext, opts: { json?: boolean }, url: string, config: Pick<Config, 'store' | 'model'>): Promise<void> {
  const now = Date.now();
  // The store (and pg) only on a team's home: `vigil status` beside a running daemon loads neither (issue 18).
  const [{ readTeamStatus }, { usageReport }] = await Promise.all([import('../../store/index.js'), import('../../model/index.js')]);
  const team = await readTeamStatus(url, now, config.store.leaseSeconds);
  const here = readDaemonInfo(ctx.paths.daemon);
  // Today's calls priced as a home's are (per model and per purpose: decisions, agent tasks, dreams), every node's together.
  const today = usageReport(localDate(now), team.usageToday, config.model);
  if (opts.json) ctx.out(JSON.stringify({ store: 'postgres', node: here?.node ?? null, ...team, model: { today } }, null, 2));
  else {
    const alive = team.nodes.filter((n) => n.alive).length;
    ctx.out(`team on PostgreSQL: ${team.nodes.length} node${team.nodes.length === 1 ? '' : 's'}, ${alive} alive${here?.node ? ` (this home: ${here.node})` : ''}`);
    for (const n of team.nodes) {
      const roles = team.roles.filter((r) => r.node === n.name).map((r) => r.role);
      const beat = Math.max(0, Math.round((now - n.heartbeatAt) / 1000));
      ctx.out(`  ${n.name.padEnd(16)} ${n.alive ? 'alive' : 'silent'}  heartbeat ${beat} s ago  holds ${n.holds.events} events, ${n.holds.actions} actions${roles.length ? `, roles ${roles.join(', ')}` : ''}`);
    }
    const counts = (by: Record<string, number>) => Object.entries(by).map(([state, n]) => `${n} ${state}`).join(', ') || 'none';
    ctx.out(`inbox:   ${counts(team.inbox)}`);
    ctx.out(`actions: ${counts(team.actions)}`);
    const calls = team.usageToday.reduce((n, u) => n + u.calls, 0);
    const tokens = (key: 'inputTokens' | 'outputTokens' | 'cacheReadTokens' | 'cacheCreationTokens') => team.usageToday.reduce((n, u) => n + u[key], 0);
    ctx.out(`model today: ${calls} call${calls === 1 ? '' : 's'}, ${tokens('inputTokens')} input, ${tokens('cacheCreationTokens')} cache-write, ${tokens('cacheReadTokens')} cache-read, ${tokens('outputTokens')} output tokens`);
    for (const m of today.models) ctx.out(`  ${m.model}: ${usageLine(m)}`);
    for (const p of today.purposes) ctx.out(`  ${p.purpose}: ${usageLine(p)}`);
    ctx.out(`web push: ${team.pushSubscriptions} browser${team.pushSubscriptions === 1 ? '' : 's'} subscribed`);
  }
  if (!here) throw new VigilError('VIGIL_ERR_NOT_RUNNING', `no node runs on ${ctx.paths.home}`);
}

/** The config (its store section says whether this is a team's home); a config that does not load leaves the single daemon's path, which reports it. */
function teamConfig(ctx: CliContext): Config | undefined {
  try {
    return loadHomeConfig(ctx);
  } catch {
    return undefined;
  }
}
