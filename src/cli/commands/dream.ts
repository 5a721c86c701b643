import fs from 'node:fs';
import { systemClock } from '../../clock.js';
import {
  dreamDue,
  dreamInHome,
  dreamLockPath,
  lastOwnerActivity,
  liveDreamLock,
  loadDreamState,
  markText,
  NewEntryCounter,
  type DreamReport,
} from '../../dream/index.js';
import { VigilError } from '../../errors.js';
import { listLogDates, logFilePath, readLogEntriesFrom, type LogEntry } from '../../logs/index.js';
import { loadSecrets } from '../../config/index.js';
import { Store } from '../../store/index.js';
import { daemonUrl, loadHomeConfig, requireHome, type CliContext } from '../context.js';

/** How long `vigil dream --now` waits for a daemon's dream to end. */
const WAIT_MS = 15 * 60_000;

function describe(r: Pick<DreamReport, 'dreamId' | 'added' | 'updated' | 'removed' | 'stale' | 'entriesRead' | 'notes' | 'durationMs'>): string {
  return (
    `dream ${r.dreamId} finished: ${r.added} added, ${r.updated} updated, ${r.removed} removed, ${r.stale} stale ` +
    `(${r.entriesRead} new log entries, ${r.notes} notes, ${(r.durationMs / 1000).toFixed(1)} s)`
  );
}

/** `vigil dream [--now]`: dream now, in the daemon when one runs; without --now, when the next one is due. */
export async function dreamCommand(ctx: CliContext, opts: { now?: boolean }): Promise<void> {
  requireHome(ctx);
  if (!opts.now) return dreamStatus(ctx);
  if (daemonUrl(ctx)) return dreamInDaemon(ctx);
  const report = await dreamInHome({ paths: ctx.paths, env: ctx.env, trigger: 'manual', progress: (line) => ctx.out(`dream: ${line}`) });
  ctx.out(describe(report));
  ctx.out('vigil is not running: the dream is logged when it starts');
}

async function dreamStatus(ctx: CliContext): Promise<void> {
  const config = loadHomeConfig(ctx);
  const store = Store.open(ctx.paths.db);
  try {
    const now = systemClock.now();
    const state = loadDreamState(store);
    const iso = (ms: number | null) => (ms === null ? 'never' : new Date(ms).toISOString());
    ctx.out(`last dream:   ${iso(state.lastDreamAt)}${state.lastDreamId ? ` (${state.lastDreamId})` : ''}`);
    ctx.out(`read up to:   ${markText(state.watermark) ?? 'nothing yet'}`);
    if (state.lastFailedAt !== null) ctx.out(`last failure: ${iso(state.lastFailedAt)}: ${state.lastFailure}`);
    const holder = liveDreamLock(dreamLockPath(ctx.paths.home), now);
    if (holder) return ctx.out(`dreaming now: pid ${holder.pid} since ${iso(holder.startedAt)}`);
    const newEntries = await new NewEntryCounter().countSince(ctx.paths.logs, state.watermark);
    const verdict = dreamDue({ now, state, lastActivityAt: lastOwnerActivity(store), newEntries, config: config.dream });
    ctx.out(`${verdict.due ? 'due now' : 'not due'}:      ${verdict.reason}`);
    ctx.out('`vigil dream --now` dreams regardless');
  } finally {
    store.close();
  }
}

/** Ask the running daemon, then follow its log until the dream's end is written. */
async function dreamInDaemon(ctx: CliContext): Promise<void> {
  const url = daemonUrl(ctx)!;
  const token = loadSecrets(ctx.paths.secrets, ctx.env).dashboardToken;
  // Only what is written from now on can hold the dream's end.
  const marks = new Map(listLogDates(ctx.paths.logs).map((d) => [d, fs.statSync(logFilePath(ctx.paths.logs, d)).size]));
  let res: Response;
  try {
    res = await fetch(`${url}/api/dream`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new VigilError('VIGIL_ERR_NOT_RUNNING', `${url}: ${(err as Error).message}`, { cause: err });
  }
  const body = (await res.json().catch(() => ({}))) as { dreamId?: string; pid?: number; message?: string };
  if (res.status === 409) throw new VigilError('VIGIL_ERR_DREAM_BUSY', (body.message ?? '').replace(/^[^:]*: /, ''));
  if (res.status !== 202 || !body.dreamId) throw new VigilError('VIGIL_ERR_DAEMON_HTTP', `POST /api/dream: HTTP ${res.status} ${body.message ?? ''}`.trim());
  ctx.out(`dream ${body.dreamId} started in the daemon (pid ${body.pid})`);
  const end = await waitForEnd(ctx.paths.logs, body.dreamId, marks);
  if (end.type === 'dream.failed') throw new VigilError('VIGIL_ERR_DREAM_FAILED', String(end.reason));
  ctx.out(describe(end as unknown as DreamReport));
}

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
