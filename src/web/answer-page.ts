import { esc, layout } from './html.js';

const VERB = { approve: 'Approve', deny: 'Deny' } as const;

/**
 * What a one-tap link in a chat message or an e-mail opens: the question again and one
 * button that spends the capability token. Opening the link changes nothing, so a chat
 * service's link preview (Slack, Discord and Telegram fetch links) cannot answer.
 */
export function answerConfirmPage(opts: { id: string; answer: 'approve' | 'deny'; token: string; summary: string }): string {
  const verb = VERB[opts.answer];
  const action = `/push/approvals/${encodeURIComponent(opts.id)}/${opts.answer}`;
  const body = `<form class="login" method="post" action="${esc(action)}">
  <h2>${esc(verb)} this?</h2>
  <p>${esc(opts.summary)}</p>
  <input type="hidden" name="token" value="${esc(opts.token)}">
  <button class="primary" type="submit">${esc(verb)}</button>
</form>`;
  return layout({ title: `${verb} ${opts.id}`, page: 'answer', body });
}

export function answeredPage(opts: { id: string; state: string }): string {
  const body = `<section class="login"><h2>Done</h2><p>Approval ${esc(opts.id)} is now <strong>${esc(opts.state)}</strong>.</p><p><a href="/">Open vigil</a></p></section>`;
  return layout({ title: 'Answered', page: 'answer', body });
}

/** A suggested rule's link (issue 15): the rule, and one button that spends the token and adds it. */
export function ruleConfirmPage(opts: { id: string; token: string; summary: string; rule: string }): string {
  const body = `<form class="login" method="post" action="/push/rules/${esc(encodeURIComponent(opts.id))}">
  <h2>Add this permission rule?</h2>
  <p>${esc(opts.summary)}</p>
  <pre class="memory">${esc(opts.rule)}</pre>
  <p class="muted">It goes first in config.json's permissions.rules; the current file is kept as config.json.prev.</p>
  <input type="hidden" name="token" value="${esc(opts.token)}">
  <button class="primary" type="submit">Add the rule</button>
</form>`;
  return layout({ title: 'Add a rule', page: 'answer', body });
}

export function ruleAcceptedPage(opts: { rule: string; reloaded: boolean }): string {
  const effect = opts.reloaded ? 'It applies now.' : 'It applies when vigil next reloads its config.';
  const body = `<section class="login"><h2>Rule added</h2><pre class="memory">${esc(opts.rule)}</pre><p>${esc(effect)}</p><p><a href="/">Open vigil</a></p></section>`;
  return layout({ title: 'Rule added', page: 'answer', body });
}
