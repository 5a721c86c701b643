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
