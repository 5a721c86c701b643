import fs from 'node:fs';
import { localDate, systemClock } from '../../clock.js';
import { VigilError } from '../../errors.js';
import { followLog, logFilePath, readLogEntries, renderEntry, verifyLogDir, type LogEntry } from '../../logs/index.js';
import { requireHome, type CliContext } from '../context.js';

export interface LogOptions {
  date?: string;
  json?: boolean;
  follow?: boolean;
}

export async function logCommand(ctx: CliContext, opts: LogOptions): Promise<void> {
  requireHome(ctx);
  const date = opts.date ?? localDate(systemClock.now());
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new VigilError('VIGIL_ERR_USAGE', `--date ${date}: use YYYY-MM-DD`);
  const show = (entry: LogEntry) => ctx.out(opts.json ? JSON.stringify(entry) : renderEntry(entry));
  if (opts.follow) {
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    await followLog({ dir: ctx.paths.logs, clock: systemClock, fromEnd: false, onEntry: show, signal: controller.signal });
    return;
  }
  const file = logFilePath(ctx.paths.logs, date);
  if (!fs.existsSync(file)) {
    if (!opts.json) ctx.out(`no log for ${date}`);
    return;
  }
  for (const entry of readLogEntries(file)) show(entry);
}

export async function logVerifyCommand(ctx: CliContext, opts: { date?: string }): Promise<void> {
  requireHome(ctx);
  const results = verifyLogDir(ctx.paths.logs, opts.date);
  if (results.length === 0) {
    ctx.out(opts.date ? `no log for ${opts.date}` : 'no logs yet');
    return;
  }
  let bad = 0;
  for (const r of results) {
    const name = r.file.split(/[\\/]/).pop();
    if (r.ok) {
      const notes = [r.torn.length ? `torn lines recovered: ${r.torn.join(', ')}` : '', r.tornTail ? 'torn last line' : '']
        .filter(Boolean)
        .join('; ');
      ctx.out(`ok    ${name}  ${r.entries} entries${notes ? ` (${notes})` : ''}`);
    } else {
      bad++;
      ctx.out(`FAIL  ${name}  line ${r.firstBad?.line}: ${r.firstBad?.reason}`);
    }
  }
  if (bad) throw new VigilError('VIGIL_ERR_LOG_CORRUPT', `${bad} of ${results.length} log file(s) do not verify`);
}
