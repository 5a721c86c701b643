import { INDEX_FILE, type Fact } from '../memory/index.js';
import { esc, layout, type PageName } from './html.js';
import { inlineHtml, markdownHtml } from './markdown.js';
import type { MemoryView } from './memory.js';

/**
 * `log 2026-01-20#14`, as facts and search hits name a log record on a home, and
 * `log alpha/2026-01-20#14` on a team, where a record is the node's chain's (src/memory/team-search.ts,
 * src/dream/team-dream.ts; a node's name as checkNodeName allows it).
 */
const LOG_REF = /\blog (?:([A-Za-z0-9][A-Za-z0-9._-]{0,62})\/)?(\d{4}-\d{2}-\d{2})#(\d+)\b/g;

/** Where a log reference points on the dashboard: the record's own page (on a team, in its node's chain). */
export function logRecordHref(day: string, seq: number | string, node?: string): string {
  return `/log?${node === undefined ? '' : `node=${encodeURIComponent(node)}&`}day=${encodeURIComponent(day)}&seq=${encodeURIComponent(String(seq))}`;
}

/** Refusals of a memory edit that the owner reads on the Memory page itself. */
export const MEMORY_REFUSALS: ReadonlySet<string> = new Set(['VIGIL_ERR_MEMORY_FACT', 'VIGIL_ERR_MEMORY_CONFLICT', 'VIGIL_ERR_DREAM_BUSY']);

/** What the page says after the owner's edit (`?done=edit`) or deletion (`?done=delete`) of a fact. */
export function memoryNotice(done: unknown): string | undefined {
  return done === 'edit' ? 'Saved: the fact is in its topic file, the old version in history.' : done === 'delete' ? 'Deleted: the old version is in history.' : undefined;
}

/** A fact's source with each log reference in it a link to that record; the rest is text. */
export function sourceHtml(source: string): string {
  let out = '';
  let at = 0;
  for (const m of source.matchAll(LOG_REF)) {
    out += esc(source.slice(at, m.index));
    out += `<a href="${esc(logRecordHref(m[2]!, m[3]!, m[1]))}">${esc(m[0])}</a>`;
    at = m.index + m[0].length;
  }
  return out + esc(source.slice(at));
}

function factHtml(slug: string, fact: Fact, index: number, csrf: string): string {
  const hidden = `<input type="hidden" name="_csrf" value="${esc(csrf)}"><input type="hidden" name="topic" value="${esc(slug)}"><input type="hidden" name="index" value="${index}"><input type="hidden" name="was" value="${esc(fact.text)}">`;
  const id = `fact-${index}`;
  return `<li class="fact${fact.stale ? ' stale' : ''}" id="${id}">
<p class="fact-text">${inlineHtml(fact.text)}</p>
<dl class="fact-meta"><div><dt>source</dt><dd>${sourceHtml(fact.source)}</dd></div><div><dt>confirmed</dt><dd>${esc(fact.confirmed)}</dd></div>${
    fact.supersedes ? `<div><dt>replaces</dt><dd>${sourceHtml(fact.supersedes)}</dd></div>` : ''
  }${fact.stale ? `<div><dt>stale</dt><dd>${esc(fact.stale)}</dd></div>` : ''}</dl>
<details class="fact-edit"><summary>Edit or delete</summary>
<form method="post" action="/memory/facts">${hidden}
<label for="${id}-text">The fact</label>
<textarea id="${id}-text" name="text" rows="2" required maxlength="1000">${esc(fact.text)}</textarea>
<div class="buttons"><button class="primary" type="submit" name="op" value="edit">Save</button><button class="deny" type="submit" name="op" value="delete" formnovalidate>Delete</button></div>
</form></details>
</li>`;
}

/**
 * The Memory page (issue 17): MEMORY.md and a topic drawn from their markdown (markdown.ts:
 * nothing in memory is ever markup), each fact with its source linked to the log record
 * it came from and a form (CSRF) to edit or delete it; the search over memory and the logs.
 */
export function memoryPage(opts: { csrf: string; view: MemoryView; notice?: string; pages?: readonly PageName[] }): string {
  const { view, csrf } = opts;
  const topics = view.topics.length
    ? `<ul>${view.topics.map((t) => `<li><a href="/memory?topic=${encodeURIComponent(t)}">${esc(t)}</a></li>`).join('')}</ul>`
    : '<p class="muted">No topics yet: the dream pass writes them.</p>';
  const hits =
    view.query === undefined
      ? ''
      : `<h3>In memory: ${view.hits.length} hit(s) for “${esc(view.query)}”</h3><ul class="hits">${view.hits
          .map((h) => `<li><span class="muted">${esc(h.file)}:${h.line}</span> ${esc(h.text)}</li>`)
          .join('')}</ul>
<h3>In the logs: ${view.logHits.length} hit(s)</h3>${
          view.indexBehind
            ? '<p class="muted" data-field="index-behind">The search index is still catching up with the logs, so the newest entries may be missing. <code>vigil memory search</code> brings it up to date.</p>'
            : ''
        }<ul class="hits">${view.logHits
          .map((h) => `<li><span class="muted">${esc(h.date)} ${sourceHtml(h.ref)} ${esc(h.kind)}</span> ${esc(h.snippet)}</li>`)
          .join('')}</ul>`;
  const topic = view.topic
    ? `<section id="topic"><h2>${esc(view.topic.title)} <span class="muted">(topics/${esc(view.topic.slug)}.md)</span></h2>
${view.topic.notes.length ? `<div class="memory">${markdownHtml(view.topic.notes.join('\n'), 2)}</div>` : ''}
${view.topic.facts.length ? `<ol class="facts">${view.topic.facts.map((f, i) => factHtml(view.topic!.slug, f, i, csrf)).join('\n')}</ol>` : '<p class="muted">No facts in this topic.</p>'}
</section>`
    : '';
  const notice = opts.notice ? `<p class="notice" role="status">${esc(opts.notice)}</p>` : '';
  const body = `${notice}<section><h2>Search memory</h2>
<form class="search" method="get" action="/memory" role="search"><input name="q" type="search" aria-label="Search memory and the logs" value="${esc(view.query ?? '')}" placeholder="word or phrase"><button type="submit">Search</button></form>
${hits}</section>
${topic}
<section id="index"><h2>Index (${INDEX_FILE})</h2>${view.index ? `<div class="memory">${markdownHtml(view.index, 2)}</div>` : `<p class="muted">${INDEX_FILE} is empty.</p>`}</section>
<section><h2>Topics</h2>${topics}</section>`;
  return layout({ title: 'Memory', page: 'memory', csrf, body, ...(opts.pages ? { pages: opts.pages } : {}) });
}
