/**
 * A team node's home page (issue 19): what `vigil status` says on a team — the nodes,
 * alive or silent, what each holds and which roles, the shared inbox and actions, today's
 * model use — and the approvals that wait, each with Approve and Deny (the dashboard's
 * cards: answered in place by the script through `/api/approvals/:id/:answer`, or by the
 * form without it) — the Ask box, the owner's words to whichever node decides them, and
 * the day's timeline in threads over every node's chain (live through `/api/events`).
 * Read from PostgreSQL, so every node shows the same team.
 */
import type { TeamStatus } from '../store/index.js';
import type { ApprovalItem } from './dashboard.js';
import { esc, layout, TEAM_PAGES } from './html.js';
import { askBox } from './ask-box.js';
import { approvalHtml } from './pages.js';

export function teamPage(opts: { csrf: string; status: TeamStatus; approvals: ApprovalItem[]; now: number; node: string; timeline: string; answered?: string }): string {
  const { status, now } = opts;
  const nodes = status.nodes
    .map((n) => {
      const roles = status.roles.filter((r) => r.node === n.name).map((r) => r.role);
      const beat = Math.max(0, Math.round((now - n.heartbeatAt) / 1000));
      return `<tr><td>${esc(n.name)}${n.name === opts.node ? ' <span class="muted">(this node)</span>' : ''}</td><td>${n.alive ? 'alive' : '<b>silent</b>'}</td><td>${beat} s ago</td><td>${n.holds.events} events, ${n.holds.actions} actions</td><td>${esc(roles.join(', ') || '–')}</td></tr>`;
    })
    .join('\n');
  const counts = (by: Record<string, number>) => esc(Object.entries(by).map(([state, n]) => `${n} ${state.replace(/_/g, ' ')}`).join(', ') || 'none');
  const calls = status.usageToday.reduce((n, u) => n + u.calls, 0);
  const tokens = status.usageToday.reduce((n, u) => n + u.inputTokens + u.cacheCreationTokens + u.cacheReadTokens + u.outputTokens, 0);
  const approvals = opts.approvals.map((a) => approvalHtml(a, opts.csrf)).join('\n');
  const body = `<section id="status"><h2>Team</h2>
<table class="nodes" tabindex="0" aria-label="Nodes (scrolls sideways on a narrow screen)"><thead><tr><th>Node</th><th>State</th><th>Heartbeat</th><th>Holds</th><th>Roles</th></tr></thead>
<tbody>${nodes}</tbody></table>
<dl class="status">
<div><dt>Inbox</dt><dd>${counts(status.inbox)}</dd></div>
<div><dt>Actions</dt><dd>${counts(status.actions)}</dd></div>
<div><dt>Model today</dt><dd>${calls} call${calls === 1 ? '' : 's'}, ${tokens} tokens</dd></div>
<div><dt>Web push</dt><dd>${status.pushSubscriptions} browser${status.pushSubscriptions === 1 ? '' : 's'} subscribed</dd></div>
</dl></section>
<section id="approvals"><h2>Waiting for you (<span id="approvals-count">${opts.approvals.length}</span>)</h2>
<ul class="approvals" id="approval-list">${approvals}</ul>
<p id="approvals-empty" class="muted"${opts.approvals.length ? ' hidden' : ''}>Nothing waits for you.</p></section>
${askBox(opts.csrf, opts.answered)}
${opts.timeline}`;
  return layout({ title: 'Team', page: 'team', csrf: opts.csrf, body, pages: TEAM_PAGES });
}
