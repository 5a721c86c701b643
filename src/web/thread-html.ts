import { timeForPeople } from '../for-people.js';
import { esc } from './html.js';
import type { Thread, ThreadState } from './threads.js';
import type { DayTimeline, TimelineFilters } from './timeline.js';

/** The state as the owner reads it at a glance, on each thread's badge. */
export const STATE_WORDS: Record<ThreadState, string> = {
  waiting: 'waiting for you',
  running: 'under way',
  done: 'done',
  failed: 'failed',
  denied: 'not done',
  quiet: 'nothing to do',
  skipped: 'set aside',
  deciding: 'deciding',
  note: 'note',
};

/**
 * One thread: its sentences, each with its time and, for an outcome, its link; the raw
 * log records behind a toggle. The same HTML for the page and for the live updates
 * (`GET /api/threads`), so a thread looks the same whichever drew it.
 */
export function threadHtml(t: Thread, now: number): string {
  const sentences = t.sentences
    .map((s) => {
      const link = s.link ? ` <a href="${esc(s.link)}" rel="noopener noreferrer" target="_blank">see it on GitHub</a>` : '';
      const answer = s.approvalId
        ? `<div class="buttons"><button class="approve" data-answer="approve">Approve</button><button class="deny" data-answer="deny">Deny</button></div><p class="result" aria-live="polite"></p>`
        : '';
      const id = s.approvalId ? ` data-id="${esc(s.approvalId)}"` : '';
      return `<li class="tone-${s.tone}" data-type="${esc(s.type)}"${id}><time datetime="${esc(s.ts)}">${esc(clock(s.ts, now))}</time> <span class="text">${esc(s.text)}</span>${link}${answer}</li>`;
    })
    .join('');
  const raw = t.raw.map((r) => `<li data-type="${esc(r.type)}">${esc(r.text)}</li>`).join('');
  return `<li class="thread state-${t.state}" id="thread-${esc(t.id)}" data-thread="${esc(t.id)}" data-last="${esc(t.last)}" data-state="${t.state}">
<div class="thread-head"><span class="badge">${esc(STATE_WORDS[t.state])}</span>${t.repo ? `<span class="repo">${esc(t.repo)}</span>` : ''}</div>
<ol class="sentences">${sentences}</ol>
<details class="raw"><summary>Log records (${t.raw.length})</summary><ol class="raw-lines">${raw}</ol></details>
</li>`;
}

/** The timeline section: the day picker, the filters, the threads. */
export function timelineSection(view: DayTimeline, filters: TimelineFilters, now: number): string {
  const option = (value: string, label: string, selected: string | undefined) =>
    `<option value="${esc(value)}"${value === selected ? ' selected' : ''}>${esc(label)}</option>`;
  const select = (name: string, label: string, values: [string, string][], selected: string | undefined) =>
    `<label>${label} <select name="${name}">${option('', 'all', selected)}${values.map(([v, l]) => option(v, l, selected)).join('')}</select></label>`;
  const repos = view.repos.includes(filters.repo ?? '') || !filters.repo ? view.repos : [...view.repos, filters.repo];
  const title = view.day === view.today ? 'Today' : view.day;
  const live = view.day === view.today;
  const empty = view.threads.length ? ' hidden' : '';
  return `<section id="timeline" data-day="${esc(view.day)}" data-live="${live ? 'true' : 'false'}"><h2>${esc(title)}</h2>
<form class="filters" method="get" action="/" aria-label="Timeline filters">
<label>Day <input type="date" name="day" value="${esc(view.day)}" min="${esc(view.firstDay)}" max="${esc(view.today)}"></label>
${select('repo', 'Repository', repos.map((r) => [r, r]), filters.repo)}
${select('kind', 'Kind', view.kinds.map((k) => [k, k.replace(/_/g, ' ')]), filters.kind)}
${select('outcome', 'Outcome', Object.entries(STATE_WORDS), filters.outcome)}
<button type="submit">Show</button></form>
<p id="timeline-empty" class="muted"${empty}>${live ? 'Nothing logged yet today' : 'Nothing logged that day'}${filters.repo || filters.kind || filters.outcome ? ' that the filters keep' : ''}.</p>
<ol class="threads" id="thread-list">${view.threads.map((t) => threadHtml(t, now)).join('\n')}</ol>
${view.truncated ? '<p class="muted">The day\'s oldest threads are not shown here: the filters narrow them down, and <code>vigil log --date</code> has every record.</p>' : ''}
</section>`;
}

function clock(ts: string, now: number): string {
  return timeForPeople(ts, now).slice(-8, -3);
}
