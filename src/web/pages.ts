import { esc, layout, type PageName } from './html.js';
import { ANSWER_REASON_MAX_CHARS } from '../initiative/index.js';
import { STATUS_LABELS, type ApprovalItem, type StatusView } from './dashboard.js';

export function loginPage(error?: string): string {
  const body = `<form class="login" method="post" action="/login">
  <h2>Log in</h2>
  <p class="muted">Paste the <code>dashboardToken</code> from <code>secrets.json</code> in vigil's home.</p>
  <label for="token">Dashboard token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  ${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
  <button class="primary" type="submit">Log in</button>
</form>`;
  return layout({ title: 'Log in', page: 'login', body });
}

export function dashboardPage(opts: { csrf: string; status: StatusView; approvals: ApprovalItem[]; timeline: string; ask?: string }): string {
  const status = Object.entries(STATUS_LABELS)
    .map(([key, label]) => `<div><dt>${esc(label)}</dt><dd data-status="${key}">${esc(opts.status[key as keyof StatusView])}</dd></div>`)
    .join('\n');
  const approvals = opts.approvals.map((a) => approvalHtml(a, opts.csrf)).join('\n');
  const body = `<section id="status"><h2>Status</h2><dl class="status">${status}</dl></section>
${opts.ask ?? ''}<section id="approvals"><h2>Waiting for you (<span id="approvals-count">${opts.approvals.length}</span>)</h2>
<ul class="approvals" id="approval-list">${approvals}</ul>
<p id="approvals-empty" class="muted"${opts.approvals.length ? ' hidden' : ''}>Nothing waits for you.</p></section>
${opts.timeline}`;
  return layout({ title: 'Dashboard', page: 'dashboard', csrf: opts.csrf, body });
}

/**
 * An approval as a form that works without the script (`POST /approvals/:id`, the
 * session's CSRF token in `_csrf`); with it, app.js answers in place. The reason is the
 * owner's own words, kept with the answer and learned from at the next dream.
 */
export function approvalHtml(a: ApprovalItem, csrf: string): string {
  const expires = a.expiresAt ? `<p class="expires">expires ${esc(a.expiresAt.replace('T', ' ').slice(0, 16))} UTC</p>` : '';
  const id = esc(a.id);
  return `<li class="approval" id="approval-${id}" data-id="${id}">
  <h3 class="what">${esc(a.action)}</h3><p class="summary">${esc(a.summary)}</p>
  ${a.rationale ? `<p class="why">${esc(a.rationale)}</p>` : ''}${expires}
  <form class="answer" method="post" action="/approvals/${encodeURIComponent(a.id)}">
  <input type="hidden" name="_csrf" value="${esc(csrf)}">
  <label for="reason-${id}">Reason <span class="muted">(optional, kept with your answer)</span></label>
  <input id="reason-${id}" name="reason" type="text" maxlength="${ANSWER_REASON_MAX_CHARS}" autocomplete="off">
  <div class="buttons"><button class="approve" type="submit" name="answer" value="approve" data-answer="approve">Approve</button><button class="deny" type="submit" name="answer" value="deny" data-answer="deny">Deny</button></div>
  </form>
  <p class="result" aria-live="polite"></p>
</li>`;
}

/** `test: false` leaves out the test button (a team node does not send tests yet). */
export function pushPage(opts: { csrf: string; vapidKey: string; subscriptions: number; pages?: readonly PageName[] }): string {
  const body = `<section><h2>Notifications on this device</h2>
<p>vigil sends approvals and news as Web Push notifications. An approval carries <b>Approve</b> and <b>Deny</b>: answering needs no login.</p>
<p class="muted">${opts.subscriptions} browser(s) subscribed. Push needs a secure context: https://, or http://localhost (an SSH tunnel). On an iPhone, add vigil to the home screen first (Share → Add to Home Screen), then open it from there.</p>
<div class="buttons"><button class="primary" id="push-subscribe" type="button">Turn on notifications</button>
<button id="push-test" type="button">Send a test notification</button></div>
<p id="push-result" aria-live="polite"></p></section>`;
  const head = `<meta name="vapid-key" content="${esc(opts.vapidKey)}">`;
  return layout({ title: 'Push', page: 'push', csrf: opts.csrf, head, body, ...(opts.pages ? { pages: opts.pages } : {}) });
}
