import { durationForPeople } from '../for-people.js';
import type { LogEntry } from '../logs/index.js';
import { esc, layout, type PageName } from './html.js';
import type { TaskView, TranscriptStep } from './tasks.js';

const STATE_WORDS: Record<string, string> = {
  approved: 'about to start',
  running: 'running',
  succeeded: 'done',
  failed: 'stopped',
};

function money(usd: number | null): string {
  return usd === null ? 'no price known' : `≈ $${usd.toFixed(usd < 1 ? 4 : 2)}`;
}

/** The figures the script refreshes live, each in an element named by `data-field`. */
export function taskFields(t: TaskView): Record<string, string> {
  const b = t.budgets;
  return {
    state: t.cancelling ? 'stopping' : (STATE_WORDS[t.state] ?? t.state),
    elapsed: `${durationForPeople(t.elapsedMs)} of ${b.maxMinutes} min`,
    turns: `${t.turns} of ${b.maxTurns}`,
    tokens: `${t.tokens.toLocaleString('en')} of ${b.maxTokens.toLocaleString('en')}`,
    cost: money(t.costUsd),
  };
}

function toolsHtml(t: TaskView): string {
  // A team's task whose worker ran on another node: its tool calls are in that node's transcript, not "none".
  if (t.ranOn && !t.ranOn.transcriptHere) return `<li class="muted">in its transcript on node ${esc(t.ranOn.node)}</li>`;
  return t.lastTools.length
    ? t.lastTools.map((c) => `<li${c.isError ? ' class="tool-error"' : ''}><code>${esc(c.tool)}</code> <span class="muted">${esc(c.input)}</span></li>`).join('')
    : '<li class="muted">no tool call yet</li>';
}

/** One task's card: the same HTML on the page and in the live updates. */
export function taskHtml(t: TaskView, csrf: string): string {
  const f = taskFields(t);
  const running = t.state === 'running';
  const cancel =
    running && !t.cancelling
      ? `<form method="post" action="/tasks/${esc(t.id)}/cancel"><input type="hidden" name="_csrf" value="${esc(csrf)}"><button class="deny" type="submit">Cancel</button></form>`
      : '';
  const end = t.pullRequest
    ? `<p>Draft pull request: <a href="${esc(t.pullRequest)}" rel="noopener noreferrer" target="_blank">${esc(t.pullRequest)}</a></p>`
    : t.error
      ? `<p class="error">${esc(t.error)}</p>`
      : t.summary
        ? `<p>${esc(t.summary)}</p>`
        : '';
  return `<li class="task state-${esc(t.state)}" id="task-${esc(t.id)}" data-id="${esc(t.id)}" data-state="${esc(t.state)}">
<div class="thread-head"><span class="badge" data-field="state">${esc(f.state)}</span><span class="repo">${esc(t.repo)}</span>${t.ranOn ? ` <span class="muted node">on ${esc(t.ranOn.node)}</span>` : ''} <a href="/tasks/${esc(t.id)}">transcript</a></div>
<p class="task-what">${esc(t.instructions)}</p>
<dl class="status task-figures"><div><dt>Elapsed</dt><dd data-field="elapsed">${esc(f.elapsed)}</dd></div><div><dt>Turns</dt><dd data-field="turns">${esc(f.turns)}</dd></div><div><dt>Tokens</dt><dd data-field="tokens">${esc(f.tokens)}</dd></div><div><dt>Cost</dt><dd data-field="cost">${esc(f.cost)}</dd></div></dl>
<h3 class="small">Last tool calls</h3><ol class="tools" data-field="tools">${toolsHtml(t)}</ol>
${end}${cancel}
</li>`;
}

/**
 * A team's dream (issue 19): the chain its last record is on, and whether the dream that
 * record began still runs (its node holds the dreamer role for it). A team's dream writes
 * no phase.
 */
export interface TeamDreamShown {
  node: string;
  running: boolean;
}

/** The last dream: what it does now (since when) or what it reported. */
function dreamHtml(last: LogEntry | undefined, now: number, phase: DreamPhase | undefined, team?: TeamDreamShown): string {
  if (!last) return '<p class="muted">No dream in the recent log.</p>';
  const f = last as Record<string, unknown>;
  const since = `${esc(last.ts.slice(11, 16))} UTC (${esc(durationForPeople(now - Date.parse(last.ts)))})`;
  const on = team ? ` on node ${esc(team.node)}` : '';
  if (last.type === 'dream.started' && team) {
    return team.running
      ? `<p data-dream="running">Dreaming since ${since}${on}.</p>`
      : `<p class="error" data-dream="stopped">The dream begun at ${since}${on} stopped without a report (its node stopped or lost the dreamer role): nothing of it was written, and the next dream reads the same lines again.</p>`;
  }
  if (last.type === 'dream.started') {
    // The phase the dream wrote last, if it is this dream's (a killed dream leaves its own behind).
    const doing = phase && phase.dreamId === f.dreamId ? phase.phase : 'starting';
    return `<p data-dream="running">Dreaming since ${since}: <span data-field="phase">${esc(doing)}</span>.</p>`;
  }
  if (last.type === 'dream.failed') return `<p class="error" data-dream="failed">The last dream${on} failed: ${esc(f.reason)}</p>`;
  return `<dl class="status" data-dream="finished"><div><dt>Finished</dt><dd>${esc(last.ts.slice(0, 16).replace('T', ' '))} UTC${on}</dd></div><div><dt>Facts added</dt><dd>${esc(f.added)}</dd></div><div><dt>Updated</dt><dd>${esc(f.updated)}</dd></div><div><dt>Removed</dt><dd>${esc(f.removed)}</dd></div><div><dt>Marked stale</dt><dd>${esc(f.stale)}</dd></div><div><dt>Log entries read</dt><dd>${esc(f.entriesRead)}</dd></div><div><dt>Took</dt><dd>${esc(durationForPeople(Number(f.durationMs) || 0))}</dd></div></dl>`;
}

/** The Tasks page (issue 17): agent tasks with their figures against the budgets, live; the dream. */
/** What the running dream does now (kv `dream.phase`, written by the dream child). */
export interface DreamPhase {
  dreamId: string;
  phase: string;
}

export function tasksPage(opts: {
  csrf: string;
  tasks: TaskView[];
  dream: LogEntry | undefined;
  dreamPhase?: DreamPhase | undefined;
  /** On a team node: where the last dream record is, and whether its dream runs. */
  teamDream?: TeamDreamShown | undefined;
  now: number;
  notice?: string;
  /** The navigation's pages (a team node's). */
  pages?: readonly PageName[];
}): string {
  const body = `${opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : ''}<section id="tasks"><h2>Agent tasks</h2>
<ol class="tasks" id="task-list">${opts.tasks.map((t) => taskHtml(t, opts.csrf)).join('\n')}</ol>
<p id="tasks-empty" class="muted"${opts.tasks.length ? ' hidden' : ''}>No agent task yet: an approved <code>agent.task</code> shows here while it runs.</p></section>
<section id="dream"><h2>Dream</h2>${dreamHtml(opts.dream, opts.now, opts.dreamPhase, opts.teamDream)}</section>`;
  return layout({ title: 'Tasks', page: 'tasks', csrf: opts.csrf, body, ...(opts.pages ? { pages: opts.pages } : {}) });
}

/** One task's transcript: each turn's words, its tool calls folded (input and answer inside). */
export function transcriptPage(opts: { csrf: string; task: TaskView; steps: TranscriptStep[]; pages?: readonly PageName[] }): string {
  const { task } = opts;
  // A team's task whose transcript another node's worker wrote: said, not shown as empty.
  const elsewhere =
    task.ranOn && !task.ranOn.transcriptHere
      ? `Node ${esc(task.ranOn.node)} ran this task: its transcript, what the agent said and each tool call, is <code>agent/${esc(task.id)}.jsonl</code> under that node's home, not on this node's disk. Read it on that node's dashboard; the Tasks page shows its turns, tokens and cost from the team's database.`
      : '';
  const steps = opts.steps
    .map(
      (s) => `<li class="step"><h3 class="small">Turn ${s.turn}</h3>${s.text ? `<p class="said">${esc(s.text)}</p>` : ''}${s.tools
        .map(
          (c) =>
            `<details class="tool-call${c.isError ? ' tool-error' : ''}"><summary><code>${esc(c.tool)}</code> <span class="muted">${esc(c.input)}</span></summary><pre class="memory">${esc(c.output ?? '')}</pre></details>`,
        )
        .join('')}</li>`,
    )
    .join('\n');
  const body = `<section id="transcript"><h2>Transcript of ${esc(task.id)} <span class="muted">(${esc(task.repo)})</span></h2>
<p class="task-what">${esc(task.instructions)}</p>
${elsewhere ? `<p class="notice" role="status">${elsewhere}</p>` : `<ol class="steps">${steps || '<li class="muted">Nothing said yet.</li>'}</ol>`}
<p><a href="/tasks">All tasks</a></p></section>`;
  return layout({ title: 'Transcript', page: 'tasks', csrf: opts.csrf, body, ...(opts.pages ? { pages: opts.pages } : {}) });
}
