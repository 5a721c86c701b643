import fs from 'node:fs';
import { localDate, systemClock } from '../../clock.js';
import { VigilError } from '../../errors.js';
import { followLog, followTeamLog, logFilePath, readLogEntries, renderEntry, verifyLogDir, type LogEntry, type VerifyResult } from '../../logs/index.js';
import { withTeamLog } from '../../store/index.js';
import { requireHome, type CliContext } from '../context.js';
import { teamStoreUrl } from '../team-home.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface LogOptions {
  date?: string;
  json?: boolean;
  follow?: boolean;
}

export async function logCommand(ctx: CliContext, opts: LogOptions): Promise<void> {
  requireHome(ctx);
  const date = opts.date ?? localDate(systemClock.now());
  if (!DATE.test(date)) throw new VigilError('VIGIL_ERR_USAGE', `--date ${date}: use YYYY-MM-DD`);
  const show = (entry: LogEntry) => ctx.out(opts.json ? JSON.stringify(entry) : renderEntry(entry, systemClock.now()));
  const team = await teamStoreUrl(ctx);
  if (team) {
    // A team's log is in its database: every node's chain of the day, merged by time, each entry naming its node.
    if (opts.follow) {
      const signal = stopSignal();
      await withTeamLog(team, (log) => followTeamLog(log, { clock: systemClock, signal, onEntry: show }));
      return;
    }
    const entries = await withTeamLog(team, (log) => log.day(date));
    if (entries.length === 0 && !opts.json) ctx.out(`no log for ${date}`);
    for (const entry of entries) show(entry);
    return;
  }
  if (opts.follow) {
    await followLog({ dir: ctx.paths.logs, clock: systemClock, fromEnd: false, onEntry: show, signal: stopSignal() });
    return;
  }
  const file = logFilePath(ctx.paths.logs, date);
  if (!fs.existsSync(file)) {
    if (!opts.json) ctx.out(`no log for ${date}`);
    return;
  }
  for (const entry of readLogEntries(file)) show(entry);
}

/** Aborts at Ctrl-C or SIGTERM: a follow ends, exit 0. */
function stopSignal(): AbortSignal {
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  return controller.signal;
}

/**
 * `vigil log verify [--date D]`: every day's chain, or only D's. A day asked for by name
 * that has no log is an error, not an empty success: a script checking yesterday's log
 * must not pass because the file is gone.
 */
export async function logVerifyCommand(ctx: CliContext, opts: { date?: string }): Promise<void> {
  requireHome(ctx);
  if (opts.date !== undefined && !DATE.test(opts.date)) throw new VigilError('VIGIL_ERR_USAGE', `--date ${opts.date}: use YYYY-MM-DD`);
  const team = await teamStoreUrl(ctx);
  // A team's chains: one per node and day, in the database; a line names the node's chain.
  const results: VerifyResult[] = team
    ? (await withTeamLog(team, (log) => log.verify(opts.date))).map((r) => ({ ...r, file: `${r.node}/${r.day}` }))
    : verifyLogDir(ctx.paths.logs, opts.date);
  if (results.length === 0) {
    if (opts.date !== undefined) throw new VigilError('VIGIL_ERR_LOG_MISSING', team ? `${opts.date} (no node logged that day)` : `${opts.date} (${logFilePath(ctx.paths.logs, opts.date)})`);
    ctx.out('no logs yet');
    return;
  }
  const failed: string[] = [];
  for (const r of results) {
    const name = team ? r.file : r.file.split(/[\\/]/).pop();
    if (r.ok) {
      const notes = [r.torn.length ? `torn lines recovered: ${r.torn.join(', ')}` : '', r.tornTail ? 'torn last line' : '']
        .filter(Boolean)
        .join('; ');
      ctx.out(`ok    ${name}  ${r.entries} entries${notes ? ` (${notes})` : ''}`);
    } else {
      failed.push(`${name} line ${r.firstBad?.line}: ${r.firstBad?.reason}`);
      ctx.out(`FAIL  ${name}  line ${r.firstBad?.line}: ${r.firstBad?.reason}`);
    }
  }
  if (failed.length === 1) throw new VigilError('VIGIL_ERR_LOG_CORRUPT', failed[0]);
  if (failed.length) throw new VigilError('VIGIL_ERR_LOG_CORRUPT', `${failed.length} of ${results.length} log files do not verify, first ${failed[0]}`);
}

