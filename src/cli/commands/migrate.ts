import os from 'node:os';
import { systemClock } from '../../clock.js';
import { readDaemonInfo } from '../../home/index.js';
import { VigilError } from '../../errors.js';
import type { MigrateReport } from '../../store/index.js';
import { requireHome, type CliContext } from '../context.js';

export interface MigrateOptions {
  to?: string;
  node?: string;
  json?: boolean;
}

/**
 * `vigil migrate --to postgres://…`: this SQLite home copied into a team's database and
 * checked (src/store/migrate-home.ts). The home must be at rest — no daemon, no dream —
 * and is only read; afterwards it is pointed at the database by the owner, not by this.
 */
export async function migrateCommand(ctx: CliContext, opts: MigrateOptions): Promise<void> {
  requireHome(ctx);
  const url = opts.to?.trim();
  if (!url || !/^postgres(ql)?:\/\//.test(url)) throw new VigilError('VIGIL_ERR_USAGE', `--to ${opts.to ?? ''}: a postgres:// or postgresql:// URL`);
  const daemon = readDaemonInfo(ctx.paths.daemon);
  if (daemon) throw new VigilError('VIGIL_ERR_ALREADY_RUNNING', `the daemon (pid ${daemon.pid}) runs on ${ctx.paths.home}: stop it first (vigil stop), so the copy is the whole home`);
  const { liveDreamLock, dreamLockPath } = await import('../../dream/index.js');
  const dream = liveDreamLock(dreamLockPath(ctx.paths.home), systemClock.now());
  if (dream) throw new VigilError('VIGIL_ERR_DREAM_BUSY', `a dream (pid ${dream.pid}) is writing memory: wait for it to end`);
  const [{ migrateHome, redactUrl }, { memoryVersions }] = await Promise.all([import('../../store/index.js'), import('../../memory/index.js')]);
  const say = (line: string) => (opts.json ? undefined : ctx.out(`migrate: ${line}`));
  const node = opts.node ?? os.hostname();
  say(`${ctx.paths.home} (SQLite, read only) into ${redactUrl(url)}`);
  const report = await migrateHome({ paths: ctx.paths, url, node, progress: say, memory: () => memoryVersions(ctx.paths.memory) });
  if (opts.json) return ctx.out(JSON.stringify(report, null, 2));
  for (const line of describe(report, redactUrl(url))) ctx.out(line);
}

function describe(r: MigrateReport, url: string): string[] {
  const what = [
    `${r.inbox.rows} events (${(r.inbox.bodyBytes / 1e6).toFixed(1)} MB of bodies)`,
    `${r.decisions.rows} decisions`,
    `${r.actions.rows} actions`,
    `${r.memory.files} memory files (${r.memory.rows} versions)`,
    `${r.log.rows} log entries in ${r.log.days} days`,
    `${r.sessions.rows} dashboard logins`,
    `${r.subscriptions.rows} web push subscriptions`,
    `${r.reminders.rows} reminders still to fire`,
    `${r.suggestions.rows} rule suggestions`,
    `${r.notices.rows} questions to the owner not sent yet`,
    `${r.usage.rows} model calls of the usage ledger`,
    r.dream.rows ? 'the last dream and how far it read' : 'no dream yet',
  ].join(', ');
  const lines = [
    r.outcome === 'copied' ? `copied and verified: ${what}` : `already copied, verified again: ${what}`,
    `every count and SHA-256 matches the home; ${r.log.chainsVerified} chains of node ${r.node} verify`,
  ];
  if (r.leftBehind.length) lines.push(`left in the home: ${r.leftBehind.map((t) => `${t.table} ${t.rows}`).join(', ')}`);
  lines.push(`next: set store.url (or DATABASE_URL) to ${url} and run vigil start --node ${r.node}; this home's files stay as they were`);
  return lines;
}
