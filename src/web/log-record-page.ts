import fs from 'node:fs';
import { logFilePath, readLogEntries, renderEntry, type LogEntry } from '../logs/index.js';
import { esc, layout, type PageName } from './html.js';
import { sentenceOf } from './sentences.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A log record's address as given in a query (`day`, `seq`): the day and a non-negative seq, or undefined. */
export function logAddress(day: unknown, seq: unknown): { day: string; seq: number } | undefined {
  const n = Number(seq);
  if (typeof day !== 'string' || !DAY.test(day) || typeof seq !== 'string' || seq === '' || !Number.isInteger(n) || n < 0) return undefined;
  return { day, seq: n };
}

/** One record of a day's log by its `seq` (what a fact's source names), or undefined. */
export function findLogRecord(logsDir: string, day: unknown, seq: unknown): LogEntry | undefined {
  const n = Number(seq);
  if (typeof day !== 'string' || !DAY.test(day) || !Number.isInteger(n) || n < 0) return undefined;
  const file = logFilePath(logsDir, day);
  if (!fs.existsSync(file)) return undefined;
  return readLogEntries(file).find((e) => e.seq === n);
}

/** One record in words, as `vigil log` prints it; on a team, `node` names the chain it is in. */
function recordSection(opts: { id: string; day: string; entry: LogEntry; node?: string; githubWebUrl: string; now: number; timeline: boolean }): string {
  const { entry } = opts;
  const chain = opts.node === undefined ? '' : `${esc(opts.node)}/`;
  return `<section id="${esc(opts.id)}"><h2>Log record ${chain}${esc(opts.day)} #${esc(entry.seq)}</h2>
<p class="record-sentence">${esc(sentenceOf(entry, { githubWebUrl: opts.githubWebUrl }).text)}</p>
<pre class="memory">${esc(renderEntry(entry, opts.now))}</pre>
${opts.timeline ? `<p><a href="/?day=${encodeURIComponent(opts.day)}">That day's timeline</a></p>` : ''}</section>`;
}

/** Where a fact came from: the record in words, as `vigil log` prints it, and its day's timeline. */
export function logRecordPage(opts: { csrf: string; day: string; seq: string; entry: LogEntry | undefined; githubWebUrl: string; now: number }): string {
  const { entry } = opts;
  const body = entry
    ? recordSection({ id: 'record', day: opts.day, entry, githubWebUrl: opts.githubWebUrl, now: opts.now, timeline: true })
    : `<section id="record"><h2>Log record ${esc(opts.day)} #${esc(opts.seq)}</h2><p class="muted">No such record: the log of that day does not hold it (or was pruned).</p></section>`;
  return layout({ title: 'Log record', page: 'memory', csrf: opts.csrf, body });
}

/**
 * A team's record (issue 19): each node keeps its own chain, so `node`/`day`/`seq` names one
 * record. An address without a node (`log DAY#SEQ`, as a home's memory names its records
 * and a migrated home's facts still do) may match a record in several chains: each is
 * shown, under its node's name, with its day's timeline (every node's, on the Team page).
 */
export function teamLogRecordPage(opts: {
  csrf: string;
  node: string | undefined;
  day: string;
  seq: string;
  records: ReadonlyArray<{ node: string; entry: LogEntry }>;
  githubWebUrl: string;
  now: number;
  pages: readonly PageName[];
}): string {
  const one = opts.records.length === 1;
  const body = opts.records.length
    ? opts.records
        .map((r) => recordSection({ id: one ? 'record' : `record-${r.node}`, day: opts.day, entry: r.entry, node: r.node, githubWebUrl: opts.githubWebUrl, now: opts.now, timeline: true }))
        .join('\n')
    : `<section id="record"><h2>Log record ${opts.node === undefined ? '' : `${esc(opts.node)}/`}${esc(opts.day)} #${esc(opts.seq)}</h2><p class="muted">No such record: ${
        opts.node === undefined ? "no node's log of that day holds it" : "that node's log of that day does not hold it"
      } (or the address is not one).</p></section>`;
  return layout({ title: 'Log record', page: 'memory', csrf: opts.csrf, body, pages: opts.pages });
}
