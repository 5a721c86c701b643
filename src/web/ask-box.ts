import { MAX_INSTRUCTION_CHARS } from '../initiative/index.js';
import { esc } from './html.js';

/**
 * The Ask box on the main page (issue 17): the owner's words to vigil, as `vigil ask`.
 * A plain form (POST /ask with the session's CSRF token) that works without the script;
 * the script sends it to `POST /api/ask` instead and shows the answer in place. Either
 * way the question and its answer become a thread of the timeline. A team node's page has
 * no timeline: there the form's answer comes back in the box itself (`answered`).
 */
export function askBox(csrf: string, answered?: string): string {
  return `<section id="ask"><h2><label for="ask-text">Ask vigil</label></h2>
<form class="ask" id="ask-form" method="post" action="/ask">
<input type="hidden" name="_csrf" value="${esc(csrf)}">
<textarea id="ask-text" name="text" rows="2" maxlength="${MAX_INSTRUCTION_CHARS}" required placeholder="What is waiting for me? · Label the parser issues in octo/app"></textarea>
<button class="primary" type="submit">Ask</button>
</form>
<p id="ask-answer" class="ask-answer" aria-live="polite"${answered === undefined ? ' hidden' : ''}>${answered === undefined ? '' : esc(answered)}</p>
</section>
`;
}
