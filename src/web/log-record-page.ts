import fs from 'node:fs';
import { logFilePath, readLogEntries, renderEntry, type LogEntry } from '../logs/index.js';
import { esc, layout } from './html.js';
import { sentenceOf } from './sentences.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** One record of a day's log by its `seq` (what a fact's source names), or undefined. */
export function findLogRecord(logsDir: string, day: unknown, seq: unknown): LogEntry | undefined {
  const n = Number(seq);
  if (typeof day !== 'string' || !DAY.test(day) || !Number.isInteger(n) || n < 0) return undefined;
  const file = logFilePath(logsDir, day);
  if (!fs.existsSync(file)) return undefined;
  return readLogEntries(file).find((e) => e.seq === n);
}

/** Where a fact came from: the record in words, as `vigil log` prints it, and its day's timeline. */
export function logRecordPage(opts: { csrf: string; day: string; seq: string; entry: LogEntry | undefined; githubWebUrl: string; now: number }): string {
  const { entry } = opts;
  const body = entry
    ? `<section id="record"><h2>Log record ${esc(opts.day)} #${esc(entry.seq)}</h2>
<p class="record-sentence">${esc(sentenceOf(entry, { githubWebUrl: opts.githubWebUrl }).text)}</p>
<pre class="memory">${esc(renderEntry(entry, opts.now))}</pre>
<p><a href="/?day=${encodeURIComponent(opts.day)}">That day's timeline</a></p></section>`
    : `<section id="record"><h2>Log record ${esc(opts.day)} #${esc(opts.seq)}</h2><p class="muted">No such record: the log of that day does not hold it (or was pruned).</p></section>`;
  return layout({ title: 'Log record', page: 'memory', csrf: opts.csrf, body });
}
